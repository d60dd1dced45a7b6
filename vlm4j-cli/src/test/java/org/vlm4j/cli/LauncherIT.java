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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program through the {@code ./vlm4j} launcher in a real process (Maven runs this in
 * {@code verify}, after {@code package} built the jar): a scripted chat with the tiny models
 * (answers equal to llama.cpp's greedy goldens), the original argument form, exit statuses and
 * messages, and the shaded jar's ImageIO readers.
 */
class LauncherIT {
    @TempDir
    static Path tmp;

    record Run(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Path root() {
        String r = System.getProperty("vlm4j.root");
        Path p = r != null ? Path.of(r) : Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isExecutable(p.resolve("vlm4j")), "launcher not found under " + p);
        return p;
    }

    /** Runs {@code ./vlm4j args} with {@code stdin}, waiting at most two minutes. */
    static Run vlm4j(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(root().resolve("vlm4j").toString());
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Path in = Files.writeString(Files.createTempFile(tmp, "in", ".txt"), stdin, StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("VLM4J_HOME", tmp.resolve("home").toString());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("vlm4j " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), withoutJvmNotes(Files.readString(err, StandardCharsets.UTF_8)));
    }

    /** The JVM's own line about the incubator module is not ours. */
    private static String withoutJvmNotes(String err) {
        StringBuilder sb = new StringBuilder();
        for (String line : err.lines().toList()) {
            if (!line.startsWith("WARNING: Using incubator modules")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    static final String DESCRIBE = "<image>Describe the image.";

    @Test
    void scriptedChatSession() throws Exception {
        String script = String.join("\n", DESCRIBE, "What colors do you see?", "/stats", "clear", "  " + DESCRIBE, "<clear>",
                "/image " + Fixtures.image("img640x480.png", tmp), "exit", "never read") + "\n";
        Run r = vlm4j(script, "chat", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(), "-i",
                Fixtures.image("img448.png", tmp).toString(), "--temp", "0", "--repeat-penalty", "1", "-n", "32", "-t", "2",
                "--max-tiles", "1", "--prompts");
        assertEquals(0, r.status(), r.toString());
        String m1 = ChatCommandTest.m1Text();
        String m3 = RunCommandTest.goldenText(Fixtures.golden("M3.f32.json"), 32);
        String expected = "\nUser: " + DESCRIBE + "\nAnswer: " + m1 + "\n"
                + "\nUser: What colors do you see?\nAnswer: " + m3 + "\n"
                + "\nUser: /stats\n"
                + "\nUser: clear\n"
                + "\nUser:   " + DESCRIBE + "\nAnswer: " + m1 + "\n"
                + "\nUser: <clear>\n"
                + "\nUser: /image " + Fixtures.image("img640x480.png", tmp) + "\n"
                + "\nUser: exit\n";
        assertEquals(expected, r.out());
        assertTrue(r.err().startsWith("text:    tiny-f32.gguf: qwen3"), r.err());
        assertTrue(r.err().contains("image:   img448.png 448x448 -> 1 tile (256 rows), encoded in "), r.err());
        assertTrue(r.err().contains("last answer: 19 prompt tokens at "), r.err());
        assertTrue(r.err().contains("memory: RSS "), r.err());
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("(dialogue cleared")).count(), r.err());
        assertTrue(r.err().contains("image: img640x480.png 640x480 -> 1 tile (256 rows), encoded in "), r.err());
        assertFalse(r.err().contains("error"), r.err());
    }

    @Test
    void originalArgumentFormWithJsonLinesAndEndOfInput() throws Exception {
        Run r = vlm4j(DESCRIBE + "\n", Fixtures.image("img448.png", tmp).toString(), Fixtures.vision(tmp).toString(),
                Fixtures.text(tmp).toString(), "64", "1024", "--json-lines", "--no-info", "--temp", "0", "--repeat-penalty", "1");
        assertEquals(0, r.status(), r.toString());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r.out());
        JsonNode a = Fixtures.json(lines.get(0));
        JsonNode g = Fixtures.golden("M1.f32.json");
        assertArrayEquals(Arrays.copyOf(Fixtures.ints(g.get("greedy").get("tokens")), 14), Fixtures.ints(a.get("tokens")));
        assertEquals("eos", a.get("stop_reason").asText());
    }

    @Test
    void runReadsWebpInTheShadedJar() throws Exception {
        Path webp = Fixtures.resource("/fixtures/cli/small64x40.lossless.webp", tmp);
        Run r = vlm4j("", "run", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(), "--image",
                webp.toString(), "--max-tiles", "1", "-p", "What is it?", "-n", "4", "--json");
        assertEquals(0, r.status(), r.toString());
        JsonNode j = Fixtures.json(r.out());
        assertEquals(4, j.get("tokens").size());
        assertEquals(1, j.get("image_tiles").asInt(), "--max-tiles 1");
        try (ZipFile jar = new ZipFile(root().resolve("vlm4j-cli/target/vlm4j.jar").toFile())) {
            var entry = jar.getEntry("META-INF/services/javax.imageio.spi.ImageReaderSpi");
            String services = new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(services.contains("com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi"), services);
            assertTrue(services.contains("com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi"), services);
            assertTrue(services.contains("com.twelvemonkeys.imageio.plugins.bmp."), services);
        }
    }

    @Test
    void errorsAndStatuses() throws Exception {
        Path missing = tmp.resolve("missing.gguf");
        Run m = vlm4j("", "chat", "-m", missing.toString());
        assertEquals(1, m.status(), m.toString());
        assertEquals("vlm4j: error: file not found: " + missing + "\n", m.err());
        Path corrupt = Files.writeString(tmp.resolve("corrupt.gguf"), "GGUF?");
        Run c = vlm4j("", Fixtures.image("img448.png", tmp).toString(), Fixtures.vision(tmp).toString(), corrupt.toString());
        assertEquals(1, c.status(), c.toString());
        assertTrue(c.err().startsWith("vlm4j: error: " + corrupt) && c.err().lines().count() == 1, c.err());
        Path badImage = Files.writeString(tmp.resolve("cat.jpg"), "meow");
        Run b = vlm4j("", "chat", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(), "-i", badImage.toString());
        assertEquals(1, b.status(), b.toString());
        assertTrue(b.err().startsWith("vlm4j: error: " + badImage + ": "), b.err());
        Run u = vlm4j("", "a.png", "v.gguf", "t.gguf", "many");
        assertEquals(2, u.status(), u.toString());
        assertTrue(u.err().startsWith("vlm4j: error: NewTokens must be a whole number, got 'many'"), u.err());
        Run unknown = vlm4j("", "frobnicate");
        assertEquals(2, unknown.status(), unknown.toString());
        Run help = vlm4j("", "--help");
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.out().contains("chat") && help.out().contains("run"), help.out());
        assertTrue(Files.notExists(tmp.resolve("home").resolve("chat_history")), "no terminal, no history file");
    }
}
