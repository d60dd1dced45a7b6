package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vlm4j chat} start-up failures (exit 1, one line naming the file) and bad arguments (exit 2
 * with usage), in both argument forms, and how {@link Main} recognises the original app's form.
 */
class ChatErrorsTest {
    @TempDir
    static Path tmp;

    @Test
    void startupFailuresExitWith1() throws Exception {
        String text = Fixtures.text(tmp).toString();
        String vision = Fixtures.vision(tmp).toString();
        String image = Fixtures.image("img448.png", tmp).toString();
        Path missing = tmp.resolve("missing.gguf");
        Path corrupt = Files.write(tmp.resolve("corrupt.gguf"), java.util.Arrays.copyOf(
                org.vlm4j.gguf.GgufFixtures.bytes(org.vlm4j.gguf.GgufFixtures.TEXT_F32), 3000));
        Path badImage = Files.writeString(tmp.resolve("photo.jpg"), "not a picture");
        Object[][] cases = {
            {new String[] {"chat", "-m", missing.toString()}, "file not found: " + missing},
            {new String[] {"chat", "-m", corrupt.toString()}, corrupt.toString()},
            {new String[] {"chat", "-m", text, "--mmproj", missing.toString(), "-i", image}, "file not found: " + missing},
            {new String[] {"chat", "-m", text, "--mmproj", vision, "-i", badImage.toString()}, "photo.jpg: "},
            {new String[] {"chat", "-m", text, "--mmproj", vision, "-i", tmp.resolve("nope.png").toString()}, "nope.png"},
            {new String[] {image, vision, missing.toString()}, "file not found: " + missing},
            {new String[] {badImage.toString(), vision, text}, "photo.jpg: "},
            {new String[] {image, text, vision}, "expected a text model"},
        };
        for (Object[] c : cases) {
            String[] a = (String[]) c[0];
            Cli r = Cli.withInput("<image>Describe the image.\n", a);
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
        String text = Fixtures.text(tmp).toString();
        String vision = Fixtures.vision(tmp).toString();
        String[][] cases = {
            {"chat", "-m", text, "-i", "a.png"},
            {"chat", "-m", text, "-n", "0"},
            {"chat", "-m", text, "-n", "many"},
            {"chat", "-m", text, "-c", "-5"},
            {"chat", "-m", text, "--silent", "--json-lines"},
            {"chat", "-m", text, "--on-context-full=never"},
            {"chat", "-m", text, "--warm-up", "maybe"},
            {"chat", "-m", text, "--top-p", "0"},
            {"chat", "a.png", "b.gguf"},
            {"chat", "a.png", "b.gguf", "c.gguf", "-m", text},
            {"chat", "a.png", "b.gguf", "c.gguf", "100", "-n", "5"},
            {"chat", "a.png", "b.gguf", "c.gguf", "1", "2", "3"},
            {"a.png", "b.gguf", "c.gguf", "lots"},
            {"a.png", "b.gguf", "c.gguf", "10", "big"},
            {"a.png", "b.gguf", "c.gguf", "10", "20", "30"},
            {"a.png", "b.gguf", "c.gguf", "0"},
        };
        for (String[] a : cases) {
            Cli r = Cli.withInput("", a);
            String ctx = String.join(" ", a) + "\n" + r;
            assertEquals(Main.EXIT_USAGE, r.status(), ctx);
            assertTrue(r.err().startsWith("vlm4j: error: "), ctx);
            assertTrue(r.err().contains("Usage: vlm4j"), ctx);
            assertFalse(r.hasStackTrace(), ctx);
            assertEquals("", r.out(), ctx);
        }
        assertTrue(Cli.run("a.png", "b.gguf", "c.gguf", "lots").err().startsWith("vlm4j: error: NewTokens must be a whole number, got 'lots'"));
        assertTrue(Cli.run("chat", "-m", text, "-i", "a.png").err().contains("--image needs the vision model"));
        // no -m: the default model must come from the cache (not there on a test machine)
        for (String[] a : new String[][] {{"chat"}, {"chat", "--mmproj", vision}}) {
            Cli r = Cli.withInput("", a);
            assertEquals(Main.EXIT_ERROR, r.status(), r.toString());
            assertTrue(r.err().contains("run 'vlm4j pull'"), r.toString());
            assertFalse(r.hasStackTrace(), r.toString());
            assertTrue(r.err().contains("--yes"), "says how to download without asking: " + r);
        }
        Cli offline = Cli.withInput("", "chat", "--offline");
        assertEquals(Main.EXIT_ERROR, offline.status(), offline.toString());
        assertTrue(offline.err().contains("--offline"), offline.toString());
        assertTrue(Cli.run("chat", "a.png", "b.gguf", "c.gguf", "-m", text).err().contains("not both"));
    }

    @Test
    void originalFormIsRecognisedOnlyWhereItFits() {
        CommandLine cl = Main.commandLine();
        String[][] unchanged = {{}, {"--help"}, {"-V"}, {"info", "a", "b", "c"}, {"run", "-m", "x", "-p", "y"}, {"foo"},
            {"foo", "bar"}, {"a", "b", "c", "d", "e", "f"}, {"a", "b", "--silent", "c"}, {"--debug", "a", "b", "c"}};
        for (String[] a : unchanged) {
            assertArrayEquals(a, Main.seedForm(cl, a), String.join(" ", a));
        }
        assertArrayEquals(new String[] {"chat", "i.png", "v.gguf", "t.gguf"}, Main.seedForm(cl, new String[] {"i.png", "v.gguf", "t.gguf"}));
        assertArrayEquals(new String[] {"chat", "i", "v", "t", "9", "99", "--silent", "x"},
                Main.seedForm(cl, new String[] {"i", "v", "t", "9", "99", "--silent", "x"}));
        Cli unknown = Cli.run("foo");
        assertEquals(Main.EXIT_USAGE, unknown.status());
        assertTrue(unknown.err().contains("Unmatched argument at index 0: 'foo'"), unknown.err());
        Cli help = Cli.run("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("vlm4j IMAGE VISION_MODEL LLM_MODEL"), help.out());
    }

    @Test
    void chatHelpExplainsTheCommands() {
        Cli r = Cli.run("chat", "--help");
        assertEquals(0, r.status(), r.toString());
        for (String s : new String[] {"--image", "--mmproj", "--model", "--new-tokens", "--context", "--system", "--temp",
            "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--repeat-last-n", "--seed", "--max-tiles", "--threads",
            "--silent", "--no-info", "--json-lines", "--on-context-full", "--prompts", "clear, <clear>", "exit, <exit>",
            "/image PATH", "/stats", "/help", "Ctrl-C", "chat_history", "Exit status"}) {
            assertTrue(r.out().contains(s), s + " missing from chat --help:\n" + r.out());
        }
        for (String line : r.out().lines().toList()) {
            assertTrue(line.length() <= 80, "help line longer than 80 columns: " + line);
        }
    }
}
