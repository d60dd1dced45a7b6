package org.vlm4j.chat;

import org.vlm4j.model.ContextFullException;
import org.vlm4j.model.ModelInput;

/**
 * Runs the decode loop of a {@link Session}: prefill the prompt, then repeatedly sample a token,
 * report it to the listener and feed it back, until an end-of-generation token, the token limit,
 * a full context or {@link #cancel()}. Deals in token ids only; turning them into text is the
 * listener's job.
 *
 * <p>After a run the session holds the prompt and every generated token (the last one may be
 * pushed but not computed yet), but never the end-of-generation token: the template layer closes
 * the assistant turn itself (e.g. appends {@code <|im_end|>\n}) before the next user message, which
 * works the same way whether the answer ended by EOS, by length or by cancellation.
 */
public final class Generator {
    private final Session session;
    private volatile boolean cancelRequested;
    private volatile boolean running;
    private java.util.function.BooleanSupplier stop = () -> false;

    public Generator(Session session) {
        this.session = session;
    }

    public Session session() {
        return session;
    }

    /**
     * Stops the running generation after the current token (callable from any thread). Ignored when
     * no generation is running.
     */
    public void cancel() {
        if (running) {
            cancelRequested = true;
        }
    }

    /**
     * Appends {@code prompt} (may be empty to continue from the session's current end) and
     * generates.
     *
     * @throws ContextFullException if the prompt does not fit in the context; the session is
     *     unchanged
     * @throws IllegalStateException if the prompt is empty and the session has no logits to start
     *     from
     */
    public GenerationResult generate(ModelInput prompt, GenerationOptions options, TokenListener listener) {
        return generate(prompt, options, listener, () -> false);
    }

    /**
     * {@link #generate(ModelInput, GenerationOptions, TokenListener)} that also stops, as
     * {@link #cancel} does, once {@code stop} says so (checked before each token, so a stop that
     * came before the prompt was computed ends the answer before its first token).
     */
    public GenerationResult generate(ModelInput prompt, GenerationOptions options, TokenListener listener,
            java.util.function.BooleanSupplier stop) {
        Sampler sampler = new Sampler(options.sampler());
        cancelRequested = false;
        running = true;
        this.stop = java.util.Objects.requireNonNull(stop, "stop");
        try {
            return run(prompt, options, sampler, listener == null ? TokenListener.NONE : listener);
        } finally {
            running = false;
            cancelRequested = false;
        }
    }

    private GenerationResult run(ModelInput prompt, GenerationOptions options, Sampler sampler, TokenListener listener) {
        long t0 = System.nanoTime();
        int before = session.position() - session.pending();
        float[] logits = session.append(prompt);
        int prefilled = session.position() - before;
        long t1 = System.nanoTime();
        int max = options.maxNewTokens();
        int[] out = new int[Math.min(max, session.remaining())];
        int count = 0;
        StopReason reason;
        int stopToken = -1;
        while (true) {
            if (cancelRequested || stop.getAsBoolean()) {
                reason = StopReason.CANCELLED;
                break;
            }
            if (count >= max) {
                reason = StopReason.LENGTH;
                break;
            }
            if (session.remaining() == 0) {
                reason = StopReason.CONTEXT;
                break;
            }
            int token = sampler.sample(logits, session.historyArray(), session.position());
            if (options.isStop(token)) {
                reason = StopReason.EOS;
                stopToken = token;
                break;
            }
            out[count++] = token;
            listener.onToken(token);
            if (count >= max || session.remaining() == 1 || cancelRequested || stop.getAsBoolean()) {
                // the run ends here: keep the token in the conversation without computing it now
                session.push(token);
                continue;
            }
            logits = session.decode(token);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(count == out.length ? out : java.util.Arrays.copyOf(out, count), reason, stopToken,
                prefilled, t1 - t0, t2 - t1);
    }
}
