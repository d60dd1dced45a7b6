package org.vlm4j.cli.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vlm4j.cli.CliException;
import org.vlm4j.cli.ModelOptions;
import org.vlm4j.tensor.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vlm4j bench}: llama-bench-style throughput numbers for a model pair, so that vlm4j can be
 * compared with llama.cpp on the same files: prefill (pp) and decode (tg) tokens per second, vision
 * milliseconds per tile, load-to-ready time and peak resident memory. Each test runs once untimed
 * (warm-up; the JIT compiles the kernels) and then {@code -r} times; the table shows mean ± sample
 * standard deviation, {@code --json} the means plus every repetition. See {@link BenchRunner} for
 * exactly what each test times.
 */
@Command(name = "bench", sortOptions = false,
        description = {"Measure prefill and decode speed, vision time per tile, load time and peak memory,",
            "in the style of llama-bench (one warm-up run, then -r timed repetitions; mean ± sd)."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "TEXT.gguf", description = "The text model (qwen3 GGUF).")
    Path model;

    @Option(names = "--mmproj", paramLabel = "VISION.gguf", description = "The vision encoder (InternVL mmproj GGUF); enables the vision test.")
    Path mmproj;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", defaultValue = "512",
            description = "Prompt tokens prefilled at once (pp test; 0 skips it). Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", defaultValue = "128",
            description = "Tokens decoded one at a time (tg test; 0 skips it). Default: ${DEFAULT-VALUE}.")
    int genTokens;

    @Option(names = {"-d", "--n-depth"}, paramLabel = "N", defaultValue = "0",
            description = "Positions already in the KV cache (filled untimed) when the pp and tg tests start, as in a long "
                    + "conversation. Default: ${DEFAULT-VALUE}.")
    int depth;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "5",
            description = "Timed repetitions of each test, after one warm-up run. Default: ${DEFAULT-VALUE}.")
    int repetitions;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads; 0 = one per processor (the default).")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "0",
            description = "KV-cache positions of the text state (affects memory, not speed). Default: what the tests need.")
    int contextSize;

    @Option(names = "--kv-type", paramLabel = "f16|f32", defaultValue = "f16",
            description = "KV-cache storage of the text state: f16 (as llama-bench) or f32. Default: ${DEFAULT-VALUE}.")
    String kvType;

    @Option(names = {"-s", "--seed"}, paramLabel = "N", defaultValue = "42",
            description = "Seed of the random token ids and pixels. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--progress", description = "Report each run on stderr as it starts.")
    boolean progress;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings = settings();
        requireFile(model);
        if (mmproj != null) {
            requireFile(mmproj);
        }
        PrintWriter err = spec.commandLine().getErr();
        ModelOptions.warnIfOversubscribed(spec.commandLine(), settings.threads());
        BenchRunner runner = new BenchRunner(settings, line -> {
            if (progress) {
                err.println("vlm4j bench: " + line);
                err.flush();
            }
        });
        BenchResult result = runner.run();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(BenchReport.toJson(result));
        } else {
            BenchReport.printTable(result, out);
        }
        out.flush();
        return 0;
    }

    /** The options as settings; a value out of range is a usage error (exit status 2). */
    BenchSettings settings() {
        check(promptTokens >= 0, "-p/--n-prompt must be >= 0, got " + promptTokens);
        check(genTokens >= 0, "-n/--n-gen must be >= 0, got " + genTokens);
        check(repetitions >= 1, "-r/--repetitions must be >= 1, got " + repetitions);
        int t = threads != null && threads != 0 ? threads : WorkerPool.defaultThreads(); // 0 = all processors, as in run/chat/serve
        check(t >= 1 && t <= WorkerPool.MAX_THREADS, "-t/--threads must be between 0 (all processors) and " + WorkerPool.MAX_THREADS
                + ", got " + t);
        check(contextSize >= 0, "-c/--ctx-size must be >= 0, got " + contextSize);
        check(depth >= 0, "-d/--n-depth must be >= 0, got " + depth);
        check(depth == 0 || promptTokens > 0 || genTokens > 0, "-d/--n-depth needs a pp or tg test (-p or -n > 0)");
        long need = (long) depth + Math.max(promptTokens, genTokens > 0 ? (long) genTokens + 1 : 0);
        String parts = "-d " + depth + " + " + (promptTokens >= (long) genTokens + 1 ? "-p " + promptTokens : "1 + -n " + genTokens);
        check(need <= Integer.MAX_VALUE / 2, "the tests need " + need + " positions (" + parts + "), more than any context holds");
        check(contextSize == 0 || contextSize >= need, "-c/--ctx-size " + contextSize + " is too small for the tests: they need "
                + need + " positions (" + parts + ")");
        return new BenchSettings(model, mmproj, promptTokens, genTokens, repetitions, t, contextSize, seed,
                ModelOptions.kvCacheType(spec.commandLine(), kvType), depth);
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    private static void requireFile(Path p) throws NoSuchFileException {
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString());
        }
        if (!Files.isRegularFile(p)) {
            throw new CliException("not a regular file: " + p);
        }
    }
}
