package org.vlm4j.cli.chat;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Where the chat loop reads lines and writes text: a terminal with line editing
 * ({@link TerminalIO}) or plain streams for scripts and tests ({@link PipedIO}). Answers go to
 * {@link #out()}; notes, errors and statistics go to {@link #err()}.
 */
public interface ChatIO extends AutoCloseable {

    /**
     * The next line without its line terminator, after showing {@code prompt} (may be empty), or
     * null when the user leaves: end of input, or Ctrl-C / Ctrl-D at a terminal prompt.
     */
    String readLine(String prompt) throws IOException;

    /** Answers. */
    PrintWriter out();

    /** Everything that is not an answer. */
    PrintWriter err();

    /** Whether a person types at a terminal (prompts are shown, Ctrl-C stops an answer). */
    boolean interactive();

    /**
     * Until the returned handle is closed, an interrupt (Ctrl-C at a terminal) runs {@code action}
     * (for example cancelling the answer) instead of ending the program. Without a terminal the
     * default behaviour stays.
     */
    Registration onInterrupt(Runnable action);

    @Override
    void close();

    /** Undoes an {@link #onInterrupt} registration. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
