package org.vlm4j.chat;

import java.util.Arrays;
import org.vlm4j.model.ContextFullException;
import org.vlm4j.model.LanguageModel;
import org.vlm4j.model.ModelInput;
import org.vlm4j.model.SequenceState;
import org.vlm4j.tensor.WorkerPool;

/**
 * One conversation with a language model: owns a {@link SequenceState} (the KV cache) and the ids
 * of every position in it, so each turn only computes its new tokens. Positions continue across
 * turns; {@link #truncate} rewinds (e.g. to regenerate an answer) and {@link #reset} starts over.
 *
 * <p>Tokens can be added lazily with {@link #push}: they become part of the history at once but are
 * computed together with the next {@link #append}/{@link #decode}. The {@link Generator} uses this
 * for the last token of an answer cut by a length limit, so that no forward pass is wasted when the
 * conversation ends there.
 *
 * <p>The history holds {@link ModelInput#EMBEDDING} at positions fed with embedding rows (images).
 * {@link #close} frees the state's KV cache. Not thread-safe.
 */
public final class Session implements AutoCloseable {
    private final SequenceState state;
    private final int[] history;
    private int length;          // positions in the history (computed + pending)
    private float[] lastLogits;  // logits after position length-1, or null when not available

    /**
     * A session over a fresh state of {@code model} with the default context
     * ({@link LanguageModel#DEFAULT_CONTEXT}, or the model's trained context if smaller).
     */
    public Session(LanguageModel model, WorkerPool pool) {
        this(model, Math.min(LanguageModel.DEFAULT_CONTEXT, model.trainedContextLength()), pool);
    }

    /** A session over a fresh state of {@code model} with room for {@code contextSize} positions. */
    public Session(LanguageModel model, int contextSize, WorkerPool pool) {
        this(model.newState(contextSize, pool));
    }

    /** A session over {@code state}, which must be empty. */
    public Session(SequenceState state) {
        if (state.position() != 0) {
            throw new IllegalArgumentException("the state already holds " + state.position() + " positions");
        }
        this.state = state;
        this.history = new int[state.capacity()];
    }

    public SequenceState state() {
        return state;
    }

    /** Positions in the conversation, including pushed tokens not computed yet. */
    public int position() {
        return length;
    }

    /** Context size. */
    public int capacity() {
        return state.capacity();
    }

    /** Free positions left. */
    public int remaining() {
        return state.capacity() - length;
    }

    /** Number of pushed tokens not computed yet. */
    public int pending() {
        return length - state.position();
    }

    /** A copy of the ids of every position ({@link ModelInput#EMBEDDING} for embedding rows). */
    public int[] history() {
        return Arrays.copyOf(history, length);
    }

    /** The id at position {@code i}. */
    public int tokenAt(int i) {
        java.util.Objects.checkIndex(i, length);
        return history[i];
    }

    /** The live history array (valid entries {@code [0, position())}); for samplers. Do not modify. */
    int[] historyArray() {
        return history;
    }

    /**
     * The logits after the last position, if the last operation computed them (null after a
     * {@link #push}, a {@link #truncate} or an append that did not ask for them).
     */
    public float[] logits() {
        return lastLogits;
    }

    /**
     * Appends {@code input} (after any pending tokens) and returns the logits after its last
     * position. The array is owned by the state and overwritten by the next call. An empty input
     * computes the pending tokens, or returns the current {@link #logits()} when there are none.
     *
     * @throws ContextFullException if it does not fit; the session is unchanged
     */
    public float[] append(ModelInput input) {
        ModelInput all = withPending(input);
        if (all.isEmpty()) {
            if (lastLogits == null) {
                throw new IllegalStateException("nothing to compute and no logits available");
            }
            return lastLogits;
        }
        float[] out = state.append(all);
        record(input);
        lastLogits = out;
        return out;
    }

    /**
     * Appends {@code input} (after any pending tokens) and returns the logits after each requested
     * index of {@code input} (strictly increasing), as new arrays.
     */
    public float[][] append(ModelInput input, int[] logitsAt) {
        int p = pending();
        int[] shifted = new int[logitsAt.length];
        for (int i = 0; i < logitsAt.length; i++) {
            if (logitsAt[i] < 0 || logitsAt[i] >= input.length()) {
                throw new IllegalArgumentException("logits index " + logitsAt[i] + " outside the input [0, " + input.length() + ")");
            }
            shifted[i] = logitsAt[i] + p;
        }
        float[][] out = state.append(withPending(input), shifted);
        record(input);
        boolean last = logitsAt.length > 0 && logitsAt[logitsAt.length - 1] == input.length() - 1;
        lastLogits = last ? out[out.length - 1] : (input.isEmpty() && p == 0 ? lastLogits : null);
        return out;
    }

    /** Appends one token and returns the logits after it (state-owned array). */
    public float[] decode(int token) {
        checkRoom(1);
        float[] out;
        if (pending() == 0) {
            out = state.decode(token);
        } else {
            out = state.append(withPending(ModelInput.tokens(token)));
        }
        history[length++] = token;
        lastLogits = out;
        return out;
    }

    /** Adds {@code token} to the history without computing it yet (see the class comment). */
    public void push(int token) {
        if (token < 0 || token >= state.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + state.vocabSize() + ")");
        }
        checkRoom(1);
        history[length++] = token;
        lastLogits = null;
    }

    /** Keeps the first {@code newPosition} positions. */
    public void truncate(int newPosition) {
        if (newPosition < 0 || newPosition > length) {
            throw new IllegalArgumentException("cannot truncate to position " + newPosition + ": the session has " + length);
        }
        if (newPosition == length) {
            return;
        }
        if (newPosition < state.position()) {
            state.truncate(newPosition);
        }
        length = newPosition;
        lastLogits = null;
    }

    /** Forgets everything (the state keeps its memory for the next positions). */
    public void reset() {
        truncate(0);
    }

    /** Frees the state's memory ({@link SequenceState#close}); the session cannot compute afterwards. */
    @Override
    public void close() {
        state.close();
    }

    private void checkRoom(int n) {
        if ((long) length + n > state.capacity()) {
            throw new ContextFullException(length, n, state.capacity());
        }
    }

    private ModelInput withPending(ModelInput input) {
        int p = pending();
        if ((long) length + input.length() > state.capacity()) {
            throw new ContextFullException(length, input.length(), state.capacity());
        }
        return p == 0 ? input : input.prependTokens(history, state.position(), p);
    }

    private void record(ModelInput input) {
        for (int i = 0; i < input.length(); i++) {
            history[length++] = input.tokenAt(i);
        }
    }

    @Override
    public String toString() {
        return "Session[" + length + "/" + state.capacity() + " positions, " + pending() + " pending]";
    }
}
