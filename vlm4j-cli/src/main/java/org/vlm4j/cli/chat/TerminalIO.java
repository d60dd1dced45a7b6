package org.vlm4j.cli.chat;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.Terminal.Signal;
import org.jline.terminal.TerminalBuilder;

/**
 * A terminal session with JLine: line editing, and a history kept across sessions in a file
 * ({@link #historyFile}). Ctrl-C or Ctrl-D at the prompt leaves; Ctrl-C while an answer is being
 * generated runs the action registered with {@link #onInterrupt} (it stops the answer).
 *
 * <p>Lines are returned exactly as typed: no history expansion ({@code !}), no quote or escape
 * processing, no continuation prompts.
 */
public final class TerminalIO implements ChatIO {
    private final Terminal terminal;
    private final LineReader reader;
    private final PrintWriter out;
    private final PrintWriter err;
    private volatile Runnable interruptAction;

    /**
     * A session on {@code terminal}; answers go to {@code out}, notes to {@code err}; history is
     * loaded from and appended to {@code history} unless it is null.
     */
    public TerminalIO(Terminal terminal, PrintWriter out, PrintWriter err, Path history) {
        this.terminal = terminal;
        this.out = out;
        this.err = err;
        DefaultParser plain = new DefaultParser().quoteChars(new char[0]).escapeChars(new char[0])
                .eofOnUnclosedQuote(false).eofOnEscapedNewLine(false);
        LineReaderBuilder b = LineReaderBuilder.builder().appName("vlm4j").terminal(terminal).parser(plain)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .option(LineReader.Option.HISTORY_IGNORE_SPACE, false)
                .variable(LineReader.HISTORY_SIZE, 1000)
                .variable(LineReader.HISTORY_FILE_SIZE, 1000);
        if (history != null) {
            b.variable(LineReader.HISTORY_FILE, history);
        }
        this.reader = b.build();
        // Outside readLine (which installs its own handler), Ctrl-C reaches this handler.
        terminal.handle(Signal.INT, s -> {
            Runnable r = interruptAction;
            if (r != null) {
                r.run();
            }
        });
    }

    /**
     * The process's terminal (FFM or stty based, no JNI), history in {@link #historyFile}.
     *
     * @throws IOException if no terminal can be opened
     */
    public static TerminalIO openSystem(PrintWriter out, PrintWriter err) throws IOException {
        Terminal t = TerminalBuilder.builder().name("vlm4j").system(true).nativeSignals(true)
                .jni(false).jna(false).jansi(false).ffm(true).exec(true).dumb(true).build();
        return new TerminalIO(t, out, err, historyFile(System.getenv(), System.getProperty("user.home")));
    }

    /**
     * The history file: {@code $VLM4J_HOME/chat_history} when VLM4J_HOME is set, else
     * {@code $XDG_CACHE_HOME/vlm4j/chat_history} or {@code ~/.cache/vlm4j/chat_history}. Null when
     * the folder cannot be created (the session then has no saved history).
     */
    public static Path historyFile(Map<String, String> env, String userHome) {
        Path dir;
        String home = env.get("VLM4J_HOME");
        String cache = env.get("XDG_CACHE_HOME");
        if (home != null && !home.isBlank()) {
            dir = Path.of(home);
        } else if (cache != null && !cache.isBlank()) {
            dir = Path.of(cache, "vlm4j");
        } else if (userHome != null && !userHome.isBlank()) {
            dir = Path.of(userHome, ".cache", "vlm4j");
        } else {
            return null;
        }
        try {
            Files.createDirectories(dir);
            return Files.isWritable(dir) ? dir.resolve("chat_history") : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public String readLine(String prompt) {
        out.flush();
        err.flush();
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException | EndOfFileException e) {
            return null;
        }
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter err() {
        return err;
    }

    @Override
    public boolean interactive() {
        return true;
    }

    @Override
    public Registration onInterrupt(Runnable action) {
        interruptAction = action;
        return () -> interruptAction = null;
    }

    /** Raises an interrupt as Ctrl-C would (for tests of terminals without signals). */
    void raiseInterrupt() {
        terminal.raise(Signal.INT);
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
        try {
            reader.getHistory().save();
        } catch (IOException | RuntimeException e) {
            err.println("vlm4j: could not save the chat history: " + e.getMessage());
        }
        try {
            terminal.close();
        } catch (IOException e) {
            // nothing left to do with a terminal that does not close
        }
    }
}
