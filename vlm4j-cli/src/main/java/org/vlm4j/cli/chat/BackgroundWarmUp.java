package org.vlm4j.cli.chat;

import java.io.IOException;
import java.io.PrintWriter;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * {@link VisionLanguageModel#warmUp} on a background thread while the first prompt is typed, stopped
 * as soon as a line arrives: the chat then answers at compiled speed from the first question instead
 * of spending its first seconds in the JIT (BENCHMARKS.md, "A one-shot picture question").
 *
 * <p>{@link #stop} waits for the warm-up's current step (a fraction of a second, up to about a
 * second while nothing is compiled yet), so the first answer does not share the cores with it.
 * Failures of the warm-up are ignored: it only ever makes things faster.
 */
public final class BackgroundWarmUp implements AutoCloseable {
    private volatile boolean stopped;
    private final Thread thread;

    private BackgroundWarmUp(VisionLanguageModel model) {
        thread = new Thread(() -> {
            try {
                model.warmUp(() -> stopped);
            } catch (RuntimeException | Error e) {
                // a warm-up is an optimisation; the real request reports any real problem
            }
        }, "vlm4j-warm-up");
        thread.setDaemon(true);
    }

    /** Starts warming {@code model} up. */
    public static BackgroundWarmUp start(VisionLanguageModel model) {
        BackgroundWarmUp w = new BackgroundWarmUp(model);
        w.thread.start();
        return w;
    }

    /** Asks the warm-up to stop and waits until it has. Idempotent. */
    public void stop() {
        stopped = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** {@code io}, except that the warm-up stops as soon as a line (or the end of input) is read. */
    public ChatIO stopOnInput(ChatIO io) {
        return new ChatIO() {
            @Override
            public String readLine(String prompt) throws IOException {
                try {
                    return io.readLine(prompt);
                } finally {
                    stop();
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
        };
    }
}
