package org.vlm4j.cli.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TerminalIO} on a JLine dumb terminal fed from a byte stream: lines come back exactly as
 * typed (no history expansion, quotes or escapes), history is saved to the file, end of input
 * leaves, and an interrupt runs the registered action only while it is registered. (Ctrl-C at the
 * prompt is JLine's UserInterruptException, mapped to "leave" like end of input.)
 */
class TerminalIOTest {
    @TempDir
    Path tmp;

    private static Terminal dumb(String input) throws Exception {
        return new DumbTerminal("test", "dumb", new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), StandardCharsets.UTF_8);
    }

    @Test
    void linesAreReturnedVerbatimAndSavedToHistory() throws Exception {
        Path history = tmp.resolve("chat_history");
        String typed = "What's \"this\"? !! \\n 'x";
        StringWriter out = new StringWriter();
        TerminalIO io = new TerminalIO(dumb(typed + "\n  <image>Zürich 漢字  \n"), new PrintWriter(out), new PrintWriter(new StringWriter()), history);
        assertTrue(io.interactive());
        assertEquals(typed, io.readLine("User: "));
        assertEquals("  <image>Zürich 漢字  ", io.readLine("User: "));
        assertNull(io.readLine("User: "), "end of input leaves");
        io.close();
        String saved = Files.readString(history, StandardCharsets.UTF_8);
        assertTrue(saved.contains("this") && saved.contains("Zürich 漢字"), saved);
    }

    @Test
    void interruptRunsTheRegisteredActionOnly() throws Exception {
        TerminalIO io = new TerminalIO(dumb(""), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), null);
        AtomicInteger cancels = new AtomicInteger();
        io.raiseInterrupt();
        try (ChatIO.Registration r = io.onInterrupt(cancels::incrementAndGet)) {
            io.raiseInterrupt();
            io.raiseInterrupt();
        }
        io.raiseInterrupt();
        assertEquals(2, cancels.get());
        io.close();
    }

    @Test
    void historyFileLocation() {
        Path home = tmp.resolve("home");
        assertEquals(tmp.resolve("v").resolve("chat_history"), TerminalIO.historyFile(Map.of("VLM4J_HOME", tmp.resolve("v").toString()), home.toString()));
        assertEquals(tmp.resolve("c").resolve("vlm4j").resolve("chat_history"),
                TerminalIO.historyFile(Map.of("XDG_CACHE_HOME", tmp.resolve("c").toString()), home.toString()));
        assertEquals(home.resolve(".cache").resolve("vlm4j").resolve("chat_history"), TerminalIO.historyFile(Map.of(), home.toString()));
        assertTrue(Files.isDirectory(home.resolve(".cache").resolve("vlm4j")));
        assertNull(TerminalIO.historyFile(Map.of(), null));
        Path file = tmp.resolve("plainfile");
        try {
            Files.writeString(file, "x");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertNull(TerminalIO.historyFile(Map.of("VLM4J_HOME", file.toString()), null), "a file where the folder should be");
    }
}
