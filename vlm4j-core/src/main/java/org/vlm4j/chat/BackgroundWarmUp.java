package org.vlm4j.chat;

import java.util.function.BooleanSupplier;

/**
 * {@link VisionLanguageModel#warmUp} on a daemon thread, for front ends that have idle time before
 * the first request: {@code chat} while the first prompt is typed, {@code serve} after it starts.
 * It ends when every step has run, when {@link #stop} is called, or when the given condition turns
 * true (checked between steps, like the stop request).
 *
 * <p>{@link #stop} waits for the current step (a fraction of a second, up to about a second while
 * nothing is compiled yet), so that what follows does not share the cores with it and the model
 * can be closed safely afterwards. Failures of the warm-up are ignored: it is only an
 * optimisation, and a real request reports any real problem.
 */
public final class BackgroundWarmUp implements AutoCloseable {
    private volatile boolean stopped;
    private final Thread thread;

    private BackgroundWarmUp(VisionLanguageModel model, BooleanSupplier alsoStopWhen) {
        thread = new Thread(() -> {
            try {
                model.warmUp(() -> stopped || alsoStopWhen.getAsBoolean());
            } catch (RuntimeException | Error e) {
                // ignored, see the class comment
            }
        }, "vlm4j-warm-up");
        thread.setDaemon(true);
    }

    /** Starts warming {@code model} up until it is done, {@link #stop} is called or {@code alsoStopWhen} is true. */
    public static BackgroundWarmUp start(VisionLanguageModel model, BooleanSupplier alsoStopWhen) {
        BackgroundWarmUp w = new BackgroundWarmUp(model, alsoStopWhen);
        w.thread.start();
        return w;
    }

    /** Whether the warm-up thread is still running. */
    public boolean running() {
        return thread.isAlive();
    }

    /** Asks the warm-up to stop and waits until it has (also when interrupted meanwhile). Idempotent. */
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
}
