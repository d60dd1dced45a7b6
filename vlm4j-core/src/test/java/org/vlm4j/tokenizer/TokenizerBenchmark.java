package org.vlm4j.tokenizer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/**
 * Rough single-threaded speed check (not a test, no assertions): load time of the real tokenizer,
 * and encoding throughput on English prose, with a cold and a warm piece cache.
 *
 * <p>Rates are given per second of this thread's CPU time (and of wall time), because the build
 * machines are shared and wall time alone mostly measures the other processes. Run after
 * {@code ./mvnw -q -pl vlm4j-core test-compile}:
 * {@code java -cp vlm4j-core/target/classes:vlm4j-core/target/test-classes
 * org.vlm4j.tokenizer.TokenizerBenchmark [seconds]}.
 */
public final class TokenizerBenchmark {
    private static final String[] WORDS = (
            "the model reads an image as a grid of tiles and every tile becomes a fixed number of rows "
            + "that stand in the prompt where the image placeholder was written while the text around "
            + "it is split into pieces by a regular expression and each piece is merged byte by byte "
            + "until no rule applies which is why common words cost one token and rare names cost "
            + "several of them so a long report about weather markets history music or cooking "
            + "usually needs about one token for every four characters of plain English prose "
            + "although numbers punctuation and unusual spelling make that ratio worse quite quickly "
            + "because digits are always split one by one and quotes brackets or dashes stand alone")
            .split(" ");

    private TokenizerBenchmark() {}

    /** Pseudo-random English-like prose with sentences, commas, capitals and numbers. */
    static String prose(int chars, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(chars + 100);
        boolean capital = true;
        while (sb.length() < chars) {
            String w = WORDS[r.nextInt(WORDS.length)];
            if (capital) {
                w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                capital = false;
            }
            sb.append(w);
            int p = r.nextInt(100);
            if (p < 6) {
                sb.append(". ");
                capital = true;
            } else if (p < 11) {
                sb.append(", ");
            } else if (p < 12) {
                sb.append(' ').append(r.nextInt(3000)).append(' ');
            } else if (p < 13) {
                sb.append(".\n\n");
                capital = true;
            } else {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static long cpu() {
        return THREADS.getCurrentThreadCpuTime();
    }

    private static String rate(long bytes, long cpuNanos, long wallNanos) {
        return String.format("%.2f MB/s per CPU-second (%.2f MB/s wall)", bytes / (cpuNanos / 1e9) / 1e6,
                bytes / (wallNanos / 1e9) / 1e6);
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        Path dir = Path.of(TokenizerBenchmark.class.getResource("/fixtures/tokenizer/tokenizer.json.gz").toURI())
                .getParent();
        long w0 = System.nanoTime();
        long c0 = cpu();
        Tokenizer tok = Tokenizer.fromHuggingFace(dir);
        System.out.printf("load tokenizer.json.gz: %.0f ms CPU (%.0f ms wall), vocab %d%n", (cpu() - c0) / 1e6,
                (System.nanoTime() - w0) / 1e6, tok.vocabSize());

        String text = prose(1 << 20, 42);
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        w0 = System.nanoTime();
        c0 = cpu();
        int n = tok.encodeOrdinary(text).length;
        System.out.printf("English prose, first pass (cold cache and JIT): %s; %d tokens, %.2f bytes/token%n",
                rate(bytes, cpu() - c0, System.nanoTime() - w0), n, (double) bytes / n);

        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long total = 0;
        w0 = System.nanoTime();
        c0 = cpu();
        while (System.nanoTime() < deadline) {
            tok.encode(text);
            total += bytes;
        }
        System.out.printf("English prose, steady state: %s%n", rate(total, cpu() - c0, System.nanoTime() - w0));

        // every piece new: measures BPE itself rather than the cache
        long noiseBytes = 0;
        w0 = System.nanoTime();
        c0 = cpu();
        for (int i = 0; i < 20; i++) {
            String noise = prose(50_000, 1000 + i).replace('e', (char) ('a' + i)).replace(' ', i % 2 == 0 ? ' ' : '_');
            tok.encodeOrdinary(noise);
            noiseBytes += noise.getBytes(StandardCharsets.UTF_8).length;
        }
        System.out.printf("scrambled prose (many cache misses): %s%n", rate(noiseBytes, cpu() - c0, System.nanoTime() - w0));
    }
}
