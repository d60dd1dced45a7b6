package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vlm4j run} end to end in-process, against llama.cpp's greedy goldens of the tiny model
 * (fixtures/tiny/text, see SOURCES.md there): M1 (1 tile), M2 (13 tiles) through the chat template,
 * T1 through {@code --raw}; and its error handling.
 */
class RunCommandTest {
    @TempDir
    static Path tmp;

    static final String[] GREEDY_32 = {"--temp", "0", "--repeat-penalty", "1", "-n", "32", "--ignore-eos", "-t", "1"};

    static String[] args(String... first) {
        List<String> a = new ArrayList<>(Arrays.asList(first));
        a.addAll(Arrays.asList(GREEDY_32));
        return a.toArray(String[]::new);
    }

    /** The text of the first {@code n} golden pieces (llama.cpp's bytes, not our decoder). */
    static String goldenText(JsonNode g, int n) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < n; i++) {
            hex.append(g.get("greedy").get("pieces_hex").get(i).asText());
        }
        return new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }

    private void assertImageCase(String name, String image, int tiles) {
        JsonNode g = Fixtures.golden(name + ".f32.json");
        Cli r = Cli.run(args("run", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(),
                "--image", Fixtures.image(image, tmp).toString(), "-p", "Describe the image.", "--json"));
        assertEquals(0, r.status(), r.toString());
        assertEquals("", r.err(), "--json prints nothing on stderr");
        assertEquals(1, r.out().lines().count(), "one JSON object on one line");
        JsonNode j = Fixtures.json(r.out());
        assertArrayEquals(Fixtures.ints(g.get("greedy").get("tokens")), Fixtures.ints(j.get("tokens")), name + " greedy tokens");
        assertArrayEquals(Fixtures.ints(g.get("prompt_ids")), Fixtures.ints(j.get("prompt_tokens")), name + " prompt ids, -1 = image row");
        assertEquals("length", j.get("stop_reason").asText());
        assertEquals(goldenText(g, 32), j.get("text").asText());
        assertEquals(g.get("n_prompt").asInt(), j.get("timings").get("prompt_n").asInt());
        assertEquals(32, j.get("timings").get("predicted_n").asInt());
        assertTrue(j.get("timings").get("prompt_ms").asDouble() > 0);
        assertEquals(tiles, j.get("image_tiles").asInt());
        assertTrue(j.get("vision_ms").asDouble() > 0);
    }

    @Test
    void m1OneTileMatchesTheGolden() {
        assertImageCase("M1", "img448.png", 1);
    }

    @Test
    void m2ThirteenTilesMatchesTheGolden() {
        assertImageCase("M2", "img640x480.png", 13);
    }

    @Test
    void rawPromptFileReproducesT1() throws Exception {
        JsonNode g = Fixtures.golden("T1.f32.json");
        Path prompt = Files.writeString(tmp.resolve("t1.txt"), g.get("prompt_text").asText(), StandardCharsets.UTF_8);
        assertTrue(Files.readString(prompt).endsWith("assistant\n"), "the trailing newline is part of the prompt");
        Cli r = Cli.run(args("run", "--raw", "-m", Fixtures.text(tmp).toString(), "-f", prompt.toString(), "--json"));
        assertEquals(0, r.status(), r.toString());
        JsonNode j = Fixtures.json(r.out());
        assertArrayEquals(Fixtures.ints(g.get("prompt_ids")), Fixtures.ints(j.get("prompt_tokens")));
        assertArrayEquals(Fixtures.ints(g.get("greedy").get("tokens")), Fixtures.ints(j.get("tokens")), "T1 greedy tokens");
        assertFalse(j.has("image_tiles"));
    }

    @Test
    void templateWithSystemMessageIsT1() {
        JsonNode g = Fixtures.golden("T1.f32.json");
        Cli r = Cli.run(args("run", "-m", Fixtures.text(tmp).toString(), "-p", "Hello, who are you?", "--system",
                "You are a helpful assistant.", "--json"));
        assertEquals(0, r.status(), r.toString());
        JsonNode j = Fixtures.json(r.out());
        assertArrayEquals(Fixtures.ints(g.get("prompt_ids")), Fixtures.ints(j.get("prompt_tokens")));
        assertArrayEquals(Fixtures.ints(g.get("greedy").get("tokens")), Fixtures.ints(j.get("tokens")));
    }

    @Test
    void textOutputStreamsTheAnswerAndTimingsGoToStderr() {
        JsonNode g = Fixtures.golden("M1.f32.json");
        int eos = g.get("greedy").get("first_eog_index").asInt();
        String image = Fixtures.image("img448.png", tmp).toString();
        Cli r = Cli.run("run", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(), "-i", image,
                "-p", "<image>Describe the image.", "--temp", "0", "--repeat-penalty", "1", "-t", "1");
        assertEquals(0, r.status(), r.toString());
        assertEquals(goldenText(g, eos) + "\n", r.out(), "stops at <|im_end|>; a leading <image> goes on its own line");
        assertTrue(r.err().startsWith("prompt: 425 tokens in "), r.err());
        assertTrue(r.err().contains("generated: " + eos + " tokens in ") && r.err().contains("vision: 1 tile in ")
                && r.err().contains("stop: eos"), r.err());
        Cli quiet = Cli.run("run", "-q", "-m", Fixtures.text(tmp).toString(), "-p", "Hi", "-n", "3", "-t", "1");
        assertEquals(0, quiet.status(), quiet.toString());
        assertEquals("", quiet.err());
    }

    @Test
    void promptFileIsVerbatim() throws Exception {
        Path withNewline = Files.writeString(tmp.resolve("nl.txt"), "Hello, who are you?\n", StandardCharsets.UTF_8);
        String model = Fixtures.text(tmp).toString();
        JsonNode file = Fixtures.json(Cli.run("run", "--raw", "-m", model, "-f", withNewline.toString(), "-n", "1", "--json").out());
        JsonNode arg = Fixtures.json(Cli.run("run", "--raw", "-m", model, "-p", "Hello, who are you?", "-n", "1", "--json").out());
        int[] f = Fixtures.ints(file.get("prompt_tokens"));
        int[] a = Fixtures.ints(arg.get("prompt_tokens"));
        assertEquals(a.length + 1, f.length, "the trailing newline is one more token");
        assertArrayEquals(a, Arrays.copyOf(f, a.length));
        Path latin1 = Files.write(tmp.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xe9});
        Cli bad = Cli.run("run", "-m", model, "-f", latin1.toString());
        assertEquals(Main.EXIT_ERROR, bad.status());
        assertEquals("vlm4j: error: " + latin1 + ": not valid UTF-8 text\n", bad.err());
    }

    @Test
    void failuresExitWith1AndNameTheProblem() throws Exception {
        String model = Fixtures.text(tmp).toString();
        String vision = Fixtures.vision(tmp).toString();
        Path missing = tmp.resolve("missing.gguf");
        Path corrupt = Files.writeString(tmp.resolve("corrupt.gguf"), "GGUF but not really");
        Path badImage = Files.write(tmp.resolve("bad.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Object[][] cases = {
            {new String[] {"run", "-m", missing.toString(), "-p", "x"}, "file not found: " + missing},
            {new String[] {"run", "-m", corrupt.toString(), "-p", "x"}, corrupt.toString()},
            {new String[] {"run", "-m", model, "--mmproj", corrupt.toString(), "-p", "x"}, corrupt.toString()},
            {new String[] {"run", "-m", vision, "-p", "x"}, "expected a text model"},
            {new String[] {"run", "-m", model, "--mmproj", model, "-p", "x"}, "expected 'clip'"},
            {new String[] {"run", "-m", model, "--mmproj", vision, "--image", badImage.toString(), "-p", "x"}, "bad.png"},
            {new String[] {"run", "-m", model, "--mmproj", vision, "--image", tmp.resolve("nope.jpg").toString(), "-p", "x"}, "nope.jpg"},
            {new String[] {"run", "-m", model, "-c", "20", "-p", "x"}, "the system prompt alone takes"},
            {new String[] {"run", "-m", model, "-c", "200", "-p", "word ".repeat(80)}, "context holds 200"},
            {new String[] {"run", "--raw", "-m", model, "-c", "5", "-p", "one two three four five six"}, "context holds 5"},
            {new String[] {"run", "--raw", "-m", model, "-p", ""}, "the prompt is empty"},
        };
        for (Object[] c : cases) {
            String[] a = (String[]) c[0];
            Cli r = Cli.run(a);
            String ctx = String.join(" ", a) + "\n" + r;
            assertEquals(Main.EXIT_ERROR, r.status(), ctx);
            assertTrue(r.err().startsWith("vlm4j: error: ") && r.err().contains((String) c[1]), ctx);
            assertEquals(1, r.err().lines().count(), ctx);
            assertFalse(r.hasStackTrace(), ctx);
            assertEquals("", r.out(), ctx);
        }
    }

    @Test
    void badArgumentsExitWith2() {
        String model = Fixtures.text(tmp).toString();
        String vision = Fixtures.vision(tmp).toString();
        String[][] cases = {
            {"run", "-m", model},
            {"run", "-m", model, "-p", "x", "-f", "p.txt"},
            {"run", "--raw", "-m", model, "--mmproj", vision, "--image", "a.png", "-p", "x"},
            {"run", "--raw", "-m", model, "--system", "s", "-p", "x"},
            {"run", "-m", model, "--image", "a.png", "-p", "x"},
            {"run", "-m", model, "-p", "x", "-n", "abc"},
            {"run", "-m", model, "-p", "x", "-n", "-1"},
            {"run", "-m", model, "-p", "x", "-c", "0"},
            {"run", "-m", model, "-p", "x", "--temp", "-1"},
            {"run", "-m", model, "-p", "x", "--temp", "hot"},
            {"run", "-m", model, "-p", "x", "--top-p", "2"},
            {"run", "-m", model, "-p", "x", "--min-p", "-0.5"},
            {"run", "-m", model, "-p", "x", "--top-k", "-3"},
            {"run", "-m", model, "-p", "x", "--repeat-penalty", "0"},
            {"run", "-m", model, "-p", "x", "--repeat-last-n", "-1"},
            {"run", "-m", model, "-p", "x", "-t", "-1"},
            {"run", "-m", model, "-p", "x", "-t", "513"},
            {"run", "-m", model, "-p", "x", "--max-tiles", "-2"},
            {"run", "-m", model, "-p", "x", "--seed", "-1"},
            {"run", "-m", model, "-p", "<image> what is it?"},
            {"run", "-m", model, "--mmproj", vision, "--image", "a.png", "-p", "<image> and <image>?"},
        };
        for (String[] a : cases) {
            Cli r = Cli.run(a);
            String ctx = String.join(" ", a) + "\n" + r;
            assertEquals(Main.EXIT_USAGE, r.status(), ctx);
            assertTrue(r.err().startsWith("vlm4j: error: "), ctx);
            assertTrue(r.err().contains("Usage: vlm4j run"), ctx);
            assertFalse(r.hasStackTrace(), ctx);
            assertEquals("", r.out(), ctx);
        }
        assertTrue(Cli.run("run", "--raw", "-m", model, "--mmproj", vision, "--image", "a.png", "-p", "x").err()
                .contains("--raw takes no --image"));
        assertTrue(Cli.run("run", "-m", model, "--image", "a.png", "-p", "x").err().contains("add --mmproj"));
        assertTrue(Cli.run("run", "-m", model, "-p", "<image>?").err().startsWith("vlm4j: error: the prompt has 1 <image> marker but no --image"));
    }

    @Test
    void moreThreadsThanProcessorsWarnsOnce() {
        int t = org.vlm4j.tensor.WorkerPool.defaultThreads() + 1;
        org.junit.jupiter.api.Assumptions.assumeTrue(t <= org.vlm4j.tensor.WorkerPool.MAX_THREADS, "a machine with 512 processors or more");
        Cli r = Cli.run("run", "-q", "-m", Fixtures.text(tmp).toString(), "-p", "Hi", "-n", "2", "-t", Integer.toString(t));
        assertEquals(0, r.status(), r.toString());
        String warning = "vlm4j: warning: " + t + " threads on " + (t - 1) + " processor";
        assertTrue(r.err().contains(warning), r.err());
        assertEquals(r.err().indexOf(warning), r.err().lastIndexOf(warning), "printed once: " + r.err());
    }

    @Test
    void samplingNoteWhenTopKKeepsItGreedy() {
        Cli r = Cli.run("run", "-m", Fixtures.text(tmp).toString(), "-p", "Hi", "-n", "2", "--temp", "0.7", "-t", "1");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.err().startsWith("note: top-k is 1"), r.err());
        Cli sampled = Cli.run("run", "-m", Fixtures.text(tmp).toString(), "-p", "Hi", "-n", "8", "--temp", "0.7", "--top-k", "40",
                "--seed", "7", "--json", "-t", "1");
        Cli again = Cli.run("run", "-m", Fixtures.text(tmp).toString(), "-p", "Hi", "-n", "8", "--temp", "0.7", "--top-k", "40",
                "--seed", "7", "--json", "-t", "1");
        assertEquals("", sampled.err());
        assertEquals(Fixtures.json(sampled.out()).get("tokens"), Fixtures.json(again.out()).get("tokens"), "same seed, same tokens");
    }

    /** Inputs that are not files of the expected kind are named in one line, and devices are not read forever. */
    @org.junit.jupiter.api.Test
    void inputsThatAreNotFilesAreNamed() throws Exception {
        String m = Fixtures.text(tmp).toString();
        String v = Fixtures.vision(tmp).toString();
        Path dir = java.nio.file.Files.createDirectories(tmp.resolve("a-dir"));
        Path bad = java.nio.file.Files.write(tmp.resolve("bad.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 'x'});
        String[][] cases = {
            {"run", "-m", m, "-f", dir.toString()}, {dir + ": is a directory"},
            {"tokenize", "-m", m, "-f", dir.toString()}, {dir + ": is a directory"},
            {"tokenize", "-m", m, "-f", bad.toString()}, {bad + ": not valid UTF-8"},
            {"run", "-m", m, "--mmproj", v, "-i", dir.toString(), "-p", "hi"}, {dir + ": is a directory"},
            {"run", "-m", "", "-p", "hi"}, {"the model path is empty"},
            {"info", ""}, {"the file name is empty"},
        };
        List<String[]> all = new ArrayList<>(Arrays.asList(cases));
        if (java.nio.file.Files.exists(Path.of("/dev/zero"))) {
            all.add(new String[] {"run", "-m", m, "-f", "/dev/zero"});
            all.add(new String[] {"/dev/zero: more than"});
            all.add(new String[] {"run", "-m", m, "--mmproj", v, "-i", "/dev/zero", "-p", "hi"});
            all.add(new String[] {"/dev/zero: more than"});
            all.add(new String[] {"run", "-m", "/dev/null", "-p", "hi"});
            all.add(new String[] {"/dev/null: not a regular file"});
        }
        for (int k = 0; k < all.size(); k += 2) {
            Cli r = Cli.run(all.get(k));
            String ctx = String.join(" ", all.get(k)) + "\n" + r;
            assertEquals(Main.EXIT_ERROR, r.status(), ctx);
            assertTrue(r.err().startsWith("vlm4j: error: " + all.get(k + 1)[0]), ctx);
            assertFalse(r.hasStackTrace(), ctx);
        }
    }

    /** {@code -m FOLDER} brings the folder's mmproj for {@code --image}, as in chat (the README's promise for every -m). */
    @org.junit.jupiter.api.Test
    void aFolderBringsItsVisionModel() throws Exception {
        Path folder = java.nio.file.Files.createDirectories(tmp.resolve("model-folder"));
        java.nio.file.Files.copy(Fixtures.text(tmp), folder.resolve("tiny-f32.gguf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        java.nio.file.Files.copy(Fixtures.vision(tmp), folder.resolve("mmproj-tiny-f32.gguf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli r = Cli.run("run", "-m", folder.toString(), "-i", Fixtures.image("img448.png", tmp).toString(), "-p", "Describe the image.",
                "--temp", "0", "-n", "4", "-t", "1");
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.out().isBlank(), r.toString());
        Cli lone = Cli.run("run", "-m", Fixtures.text(tmp).toString(), "-i", Fixtures.image("img448.png", tmp).toString(), "-p", "x");
        assertEquals(Main.EXIT_USAGE, lone.status(), lone.toString());
        assertTrue(lone.err().contains("add --mmproj"), lone.toString());
    }
}
