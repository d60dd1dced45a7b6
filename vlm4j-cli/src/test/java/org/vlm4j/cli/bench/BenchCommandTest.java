package org.vlm4j.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.cli.Cli;
import org.vlm4j.cli.Main;
import org.vlm4j.gguf.GgufFixtures;

/**
 * {@code vlm4j bench} end to end on the tiny fixture models with tiny sizes: the table and the JSON
 * carry every test with positive, self-consistent numbers; bad options exit 2, bad files exit 1.
 * No assertion is about speed.
 */
class BenchCommandTest {
    @TempDir
    static Path tmp;

    private static final boolean PROC = Files.isReadable(Path.of("/proc/self/status"));

    static String text() {
        return GgufFixtures.path(GgufFixtures.TEXT_Q8_0, tmp).toString();
    }

    static String vision() {
        return GgufFixtures.path(GgufFixtures.MMPROJ_F16, tmp).toString();
    }

    @Test
    void tablePrintsOneRowPerTestWithPositiveMeans() {
        Cli r = Cli.run("bench", "-m", text(), "--mmproj", vision(), "-p", "16", "-n", "8", "-r", "2", "-t", "2");
        assertEquals(0, r.status(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("\\| model +\\| +size \\| +params \\| type +\\| threads \\| +test \\| +t/s \\| +ms \\|"),
                lines.get(0));
        assertTrue(lines.get(1).matches("(\\| -+:? )+\\|"), lines.get(1));
        List<String> tests = new ArrayList<>();
        Pattern cell = Pattern.compile("(\\d+\\.\\d+) ± (\\d+\\.\\d+)");
        for (String line : lines.subList(2, lines.size())) {
            if (line.isEmpty()) {
                break;
            }
            String[] cells = line.split("\\|");
            assertEquals(9, cells.length, line);
            assertEquals("2", cells[5].strip(), line);
            tests.add(cells[6].strip());
            Matcher m = cell.matcher(line);
            assertTrue(m.find(), line);
            assertTrue(Double.parseDouble(m.group(1)) > 0, line);
            assertTrue(Double.parseDouble(m.group(2)) >= 0, line);
        }
        assertEquals(List.of("pp16", "tg8", "tile448", "load"), tests);
        assertTrue(lines.get(2).startsWith("| qwen3 631.2K Q8_0 | 0.64 MiB | 631.23 K | Q8_0+F32 |"), lines.get(2));
        assertTrue(r.out().contains("2 repetitions after 1 warm-up"), r.out());
        if (PROC) {
            Matcher rss = Pattern.compile("peak RSS: (\\d+\\.\\d) MiB").matcher(r.out());
            assertTrue(rss.find(), r.out());
            assertTrue(Double.parseDouble(rss.group(1)) > 1, r.out());
        }
        assertTrue(r.out().contains("vector width: " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit"),
                r.out());
        assertEquals("", r.err().replaceAll("(?m)^WARNING: .*\\R", ""));
    }

    @Test
    void jsonHasMeansRunsAndPlatformFacts() throws Exception {
        Cli r = Cli.run("bench", "-m", text(), "--mmproj", vision(), "-p", "16", "-n", "8", "-r", "2", "-t", "2", "--json");
        assertEquals(0, r.status(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (String key : new String[] {"pp_tok_s", "tg_tok_s", "vision_ms_per_tile", "load_ms"}) {
            JsonNode runs = j.get("runs").get(key);
            assertEquals(2, runs.size(), key);
            double sum = 0;
            for (JsonNode v : runs) {
                assertTrue(v.asDouble() > 0, key + " " + runs);
                sum += v.asDouble();
            }
            assertTrue(j.get(key).isNumber(), key);
            assertEquals(sum / 2, j.get(key).asDouble(), 1e-3 + 1e-6 * sum, key + " is the mean of its runs");
            double a = runs.get(0).asDouble();
            double b = runs.get(1).asDouble();
            assertEquals(Math.abs(a - b) / Math.sqrt(2), j.get(key + "_sd").asDouble(), 1e-3 + 1e-6 * sum, key + "_sd");
        }
        if (PROC) {
            assertTrue(j.get("peak_rss_mb").asDouble() > 1, r.out());
        }
        assertEquals(2, j.get("threads").asInt());
        assertTrue(j.get("decode_weight_bytes").asLong() > 0, r.out());
        assertEquals(j.get("tg_tok_s").asDouble() * j.get("decode_weight_bytes").asLong() / 1e9, j.get("tg_weight_gb_s").asDouble(),
                1e-3 * j.get("tg_weight_gb_s").asDouble() + 1e-6, "weight traffic = tok/s x bytes per token");
        assertEquals(16, j.get("n_prompt").asInt());
        assertEquals(8, j.get("n_gen").asInt());
        assertEquals(16, j.get("context_size").asInt());
        assertEquals("F16", j.get("kv_cache_type").asText(), "llama-bench's default cache type");
        assertTrue(j.get("kv_cache_committed_mb").asDouble() > 0, "the text tests stored positions");
        assertEquals(448, j.get("tile_size").asInt());
        assertEquals("Q8_0", j.get("weight_types").get("text").get(0).asText());
        assertTrue(j.get("weight_types").get("vision").toString().contains("F16"), j.toString());
        assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), j.get("vector_bits").asInt());
        assertEquals("qwen3", j.get("model").get("architecture").asText());
        assertEquals(631232, j.get("model").get("params").asLong());
        assertEquals("clip", j.get("mmproj").get("architecture").asText());
        assertTrue(j.get("load_text_ms").asDouble() > 0);
        assertTrue(j.get("load_vision_ms").asDouble() > 0);
    }

    @Test
    void zeroSizesSkipTestsAndTextOnlyHasNoVision() throws Exception {
        Cli r = Cli.run("bench", "-m", text(), "-p", "0", "-n", "0", "-r", "1", "-t", "1", "--json");
        assertEquals(0, r.status(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("pp_tok_s").isNull(), r.out());
        assertTrue(j.get("tg_tok_s").isNull(), r.out());
        assertTrue(j.get("vision_ms_per_tile").isNull(), r.out());
        assertTrue(j.get("mmproj").isNull(), r.out());
        assertEquals(0, j.get("runs").get("pp_tok_s").size());
        assertTrue(j.get("load_ms").asDouble() > 0);
        assertEquals(0.0, j.get("load_ms_sd").asDouble(), "one repetition has no spread");

        Cli table = Cli.run("bench", "-m", text(), "-p", "0", "-n", "4", "-r", "1", "-t", "1", "-c", "64", "--kv-type", "F32");
        assertEquals(0, table.status(), table.toString());
        assertFalse(table.out().contains("| pp"), table.out());
        assertTrue(table.out().contains(" tg4 |"), table.out());
        assertFalse(table.out().contains("tile"), table.out());
        assertTrue(table.out().contains("KV cache of 64 positions, F32, "), table.out());
    }

    @Test
    void moreThreadsThanProcessorsWarnsAndStillRuns() {
        int t = org.vlm4j.tensor.WorkerPool.defaultThreads() + 1;
        org.junit.jupiter.api.Assumptions.assumeTrue(t <= org.vlm4j.tensor.WorkerPool.MAX_THREADS, "a machine with 512 processors or more");
        Cli r = Cli.run("bench", "-m", text(), "-p", "4", "-n", "2", "-r", "1", "-t", Integer.toString(t));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.err().contains("vlm4j: warning: " + t + " threads on " + (t - 1) + " processor"), r.err());
        assertTrue(r.out().contains(" pp4 |"), r.out());
        Cli fits = Cli.run("bench", "-m", text(), "-p", "4", "-n", "0", "-r", "1", "-t", Integer.toString(t - 1));
        assertFalse(fits.err().contains("warning"), fits.err());
    }

    @Test
    void badArgumentsExit2() {
        String m = text();
        for (String[] args : new String[][] {
            {"bench"},
            {"bench", "-m", m, "-p", "-1"},
            {"bench", "-m", m, "--kv-type", "q8_0"},
            {"bench", "-m", m, "-n", "-5"},
            {"bench", "-m", m, "-r", "0"},
            {"bench", "-m", m, "-t", "-1"},
            {"bench", "-m", m, "-n", "2147483647"},
            {"bench", "-m", m, "-p", "2147483647"},
            {"bench", "-m", m, "-t", "513"},
            {"bench", "-m", m, "-p", "abc"},
            {"bench", "-m", m, "-c", "-1"},
            {"bench", "-m", m, "-p", "16", "-c", "8"},
            {"bench", "-m", m, "-p", "0", "-n", "8", "-c", "8"},
            {"bench", "-m", m, "-d", "-1"},
            {"bench", "-m", m, "-p", "0", "-n", "0", "-d", "8"},
            {"bench", "-m", m, "-p", "16", "-n", "0", "-d", "8", "-c", "20"},
            {"bench", "-m", m, "--bogus"}}) {
            Cli r = Cli.run(args);
            String ctx = String.join(" ", args) + "\n" + r;
            assertEquals(Main.EXIT_USAGE, r.status(), ctx);
            assertTrue(r.err().startsWith("vlm4j: error: "), ctx);
            assertTrue(r.err().contains("Usage: vlm4j bench"), ctx);
            assertFalse(r.hasStackTrace(), ctx);
            assertEquals("", r.out(), ctx);
        }
        assertTrue(Cli.run("bench", "-m", m, "-t", "100000").err().startsWith("vlm4j: error: -t/--threads must be between 0 (all processors) and 512, got 100000"));
        assertTrue(Cli.run("bench", "-m", m, "-n", "2147483647").err().startsWith(
                "vlm4j: error: the tests need 2147483648 positions (-d 0 + 1 + -n 2147483647), more than any context holds"));
        Cli small = Cli.run("bench", "-m", m, "-p", "16", "-c", "8");
        assertTrue(small.err().contains("-c/--ctx-size 8 is too small"), small.err());
        Cli deep = Cli.run("bench", "-m", m, "-p", "16", "-n", "0", "-d", "8", "-c", "20");
        assertTrue(deep.err().startsWith("vlm4j: error: -c/--ctx-size 20 is too small for the tests: they need 24 positions (-d 8 + -p 16)"),
                deep.err());
    }

    @Test
    void depthFillsTheCacheFirstAndLabelsTheTests() throws Exception {
        Cli r = Cli.run("bench", "-m", text(), "-p", "8", "-n", "4", "-d", "40", "-r", "1", "-t", "2");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("| pp8 @ d40 |"), r.out());
        assertTrue(r.out().contains("| tg4 @ d40 |"), r.out());
        Cli j = Cli.run("bench", "-m", text(), "-p", "8", "-n", "4", "-d", "40", "-r", "1", "-t", "2", "--json");
        assertEquals(0, j.status(), j.toString());
        JsonNode n = new ObjectMapper().readTree(j.out());
        assertEquals(40, n.get("n_depth").asInt());
        assertEquals(48, n.get("context_size").asInt()); // depth + the larger test
        assertTrue(n.get("pp_tok_s").asDouble() > 0 && n.get("tg_tok_s").asDouble() > 0, j.out());
        // the depth really is in the cache: past 256 positions every layer holds a second page
        // (same context, so both use full-width pages: one per layer, then two)
        double shallow = committedMb("-p", "8", "-n", "0", "-r", "1", "-c", "600");
        double deep = committedMb("-p", "8", "-n", "0", "-r", "1", "-c", "600", "-d", "300");
        assertTrue(shallow > 0, "committed " + shallow);
        assertEquals(2 * shallow, deep, 1e-3); // the JSON rounds to 4 decimals
    }

    private static double committedMb(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("bench", "-m", text(), "--json"));
        all.addAll(List.of(args));
        Cli r = Cli.run(all.toArray(String[]::new));
        assertEquals(0, r.status(), r.toString());
        return new ObjectMapper().readTree(r.out()).get("kv_cache_committed_mb").asDouble();
    }

    @Test
    void missingOrBrokenFilesExit1() throws Exception {
        Path nope = tmp.resolve("nope.gguf");
        Cli missing = Cli.run("bench", "-m", nope.toString(), "-p", "4", "-n", "0", "-r", "1");
        assertEquals(Main.EXIT_ERROR, missing.status(), missing.toString());
        assertEquals("vlm4j: error: file not found: " + nope + "\n", missing.err());
        assertEquals("", missing.out());

        Cli noVision = Cli.run("bench", "-m", text(), "--mmproj", tmp.resolve("nope-mmproj.gguf").toString(), "-r", "1");
        assertEquals(Main.EXIT_ERROR, noVision.status(), noVision.toString());
        assertTrue(noVision.err().contains("nope-mmproj.gguf"), noVision.err());

        Path junk = Files.writeString(tmp.resolve("junk.gguf"), "this is not a GGUF file at all");
        Cli broken = Cli.run("bench", "-m", junk.toString(), "-p", "4", "-n", "0", "-r", "1");
        assertEquals(Main.EXIT_ERROR, broken.status(), broken.toString());
        assertTrue(broken.err().contains("junk.gguf"), broken.err());
        assertFalse(broken.hasStackTrace(), broken.toString());

        Cli swapped = Cli.run("bench", "-m", vision(), "-p", "4", "-n", "0", "-r", "1");
        assertEquals(Main.EXIT_ERROR, swapped.status(), swapped.toString());
        assertFalse(swapped.hasStackTrace(), swapped.toString());

        Cli dir = Cli.run("bench", "-m", tmp.toString(), "-r", "1");
        assertEquals(Main.EXIT_ERROR, dir.status(), dir.toString());
        assertTrue(dir.err().contains("not a regular file"), dir.err());
        assertNotNull(dir.err());
    }
}
