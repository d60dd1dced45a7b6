package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit statuses and error reporting shared by all commands. */
class MainTest {
    @TempDir
    Path tmp;

    @Test
    void helpListsEveryRegisteredCommand() {
        Cli r = Cli.run("--help");
        assertEquals(0, r.status(), r.toString());
        Set<String> names = new HashSet<>();
        for (Supplier<Object> c : Main.COMMANDS) {
            String name = new CommandLine(c.get()).getCommandName();
            assertTrue(names.add(name), "duplicate command " + name);
            assertTrue(r.out().contains("  " + name + " "), name + " missing from help:\n" + r.out());
            Cli sub = Cli.run(name, "--help");
            assertEquals(0, sub.status(), sub.toString());
            assertTrue(sub.out().startsWith("Usage: vlm4j " + name), sub.out());
        }
        assertTrue(names.containsAll(Set.of("info", "synth")));
    }

    @Test
    void version() {
        Cli r = Cli.run("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("vlm4j "), r.out());
        assertTrue(r.out().contains("Java " + System.getProperty("java.version")), r.out());
    }

    @Test
    void usageErrorsExitWith2AndPrintUsage() {
        for (String[] args : new String[][] {{}, {"--bogus"}, {"nosuchcommand"}, {"info"}, {"info", "a", "b"},
                {"info", "--bogus", "x.gguf"}, {"synth", "--out"}, {"synth", "--preset", "tiny"}, {"synth", "--seed", "abc", "--out", "x"}}) {
            Cli r = Cli.run(args);
            String ctx = String.join(" ", args) + "\n" + r;
            assertEquals(Main.EXIT_USAGE, r.status(), ctx);
            assertTrue(r.err().startsWith("vlm4j: error: "), ctx);
            assertTrue(r.err().contains("Usage: vlm4j"), ctx);
            assertFalse(r.hasStackTrace(), ctx);
            assertEquals("", r.out(), ctx);
        }
    }

    @Test
    void missingFileIsOneLineError() {
        Path missing = tmp.resolve("nope.gguf");
        Cli r = Cli.run("info", missing.toString());
        assertEquals(Main.EXIT_ERROR, r.status(), r.toString());
        assertEquals("vlm4j: error: file not found: " + missing + System.lineSeparator(), r.err());
        assertEquals("", r.out());
    }

    /** A pipe given as a model is refused before it is opened (opening would wait for a writer). */
    @Test
    void aPipeIsNotOpened() throws Exception {
        Path fifo = tmp.resolve("model.fifo");
        Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException noMkfifo) {
            org.junit.jupiter.api.Assumptions.abort("no mkfifo here");
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo failed");
        Cli r = Cli.run("info", fifo.toString());
        assertEquals(Main.EXIT_ERROR, r.status(), r.toString());
        assertTrue(r.err().contains("not a regular file (a pipe or a device?)"), r.err());
    }

    @Test
    void corruptFilesNameTheFileWithoutStackTrace() throws IOException {
        Path notGguf = Files.writeString(tmp.resolve("notes.gguf"), "hello, this is not a model\n");
        Path truncated = tmp.resolve("cut.gguf");
        byte[] real = org.vlm4j.gguf.GgufFixtures.bytes(org.vlm4j.gguf.GgufFixtures.MMPROJ_F16);
        Files.write(truncated, java.util.Arrays.copyOf(real, 2000));
        for (Path p : new Path[] {notGguf, truncated, tmp}) {
            Cli r = Cli.run("info", p.toString());
            assertEquals(Main.EXIT_ERROR, r.status(), r.toString());
            assertTrue(r.err().startsWith("vlm4j: error: " + p), r.toString());
            assertEquals(1, r.err().lines().count(), r.toString());
            assertFalse(r.hasStackTrace(), r.toString());
        }
        assertTrue(Cli.run("info", notGguf.toString()).err().contains("not a GGUF file"));
        assertTrue(Cli.run("info", truncated.toString()).err().contains("truncated header"));
    }

    @Test
    void debugShowsTheStackTrace() throws IOException {
        Path notGguf = Files.writeString(tmp.resolve("x.gguf"), "nope");
        Cli r = Cli.run("info", "--debug", notGguf.toString());
        assertEquals(Main.EXIT_ERROR, r.status());
        assertTrue(r.err().startsWith("vlm4j: error: "), r.err());
        assertTrue(r.err().contains("GgufFormatException") && r.err().contains("\tat "), r.err());
        Cli usage = Cli.run("--debug", "info");
        assertEquals(Main.EXIT_USAGE, usage.status());
    }

    @Test
    void unexpectedExceptionsAreFlaggedAsBugs() {
        assertTrue(CliErrors.isUnexpected(new NullPointerException("x")));
        assertEquals("java.lang.NullPointerException: x", CliErrors.describe(new NullPointerException("x")));
        assertFalse(CliErrors.isUnexpected(new CliException("bad")));
        assertEquals("bad", CliErrors.describe(new java.io.UncheckedIOException(new IOException("bad"))));
    }
}
