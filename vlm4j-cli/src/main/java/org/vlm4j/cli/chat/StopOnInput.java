package org.vlm4j.cli.chat;

import java.io.IOException;
import java.io.PrintWriter;

/** A {@link ChatIO} that runs an action each time a line (or the end of input) has been read. */
public final class StopOnInput implements ChatIO {
    private final ChatIO io;
    private final Runnable onInput;

    /**
     * {@code io}, calling {@code onInput} after every {@link #readLine} (the chat command stops its
     * background warm-up there; stopping is idempotent).
     */
    public StopOnInput(ChatIO io, Runnable onInput) {
        this.io = io;
        this.onInput = onInput;
    }

    @Override
    public String readLine(String prompt) throws IOException {
        try {
            return io.readLine(prompt);
        } finally {
            onInput.run();
        }
    }

    @Override
    public PrintWriter out() {
        return io.out();
    }

    @Override
    public PrintWriter err() {
        return io.err();
    }

    @Override
    public boolean interactive() {
        return io.interactive();
    }

    @Override
    public Registration onInterrupt(Runnable action) {
        return io.onInterrupt(action);
    }

    @Override
    public void close() {
        io.close();
    }
}
