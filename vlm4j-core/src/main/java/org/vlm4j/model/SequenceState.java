package org.vlm4j.model;

/**
 * The mutable state of one token sequence of a {@link LanguageModel}: its KV cache, the number of
 * positions already in it, and scratch buffers. Not thread-safe: use one state from one thread at a
 * time (the computation itself runs in parallel on the state's worker pool).
 *
 * <p>Positions are appended at the end ({@link #position()}), so a conversation only ever computes
 * its new tokens; {@link #truncate} rewinds to an earlier position (the cached keys/values before it
 * stay valid). A call that would overflow the context throws {@link ContextFullException} before it
 * changes anything.
 *
 * <p>A state may hold native memory (the KV cache): {@link #close} frees it at once. A state that is
 * dropped without being closed is freed once the garbage collector finds it unreachable, which may
 * be much later; callers that create many states (a server) should close them.
 */
public interface SequenceState extends AutoCloseable {

    /** Positions in the cache (the next input goes here). */
    int position();

    /** Maximum number of positions. */
    int capacity();

    /** Length of a logits vector. */
    int vocabSize();

    /** Forgets every position from {@code position} on. */
    void truncate(int position);

    /** Empties the cache. */
    default void reset() {
        truncate(0);
    }

    /**
     * Appends {@code input} and returns the logits after its last position. The array belongs to the
     * state and is overwritten by the next call: copy it to keep it. Empty input is not allowed.
     *
     * @throws ContextFullException if the input does not fit; nothing is changed then
     * @throws IllegalArgumentException for a token id outside the vocabulary or a row of the wrong
     *     width; nothing is changed then
     */
    float[] append(ModelInput input);

    /**
     * Appends {@code input} and returns the logits after each requested input index (0-based within
     * {@code input}, strictly increasing), as new arrays. With an empty {@code logitsAt} no logits
     * are computed at all (and the last layer's feed-forward work is skipped).
     */
    float[][] append(ModelInput input, int[] logitsAt);

    /**
     * Appends one token and returns the logits after it (state-owned array, as in
     * {@link #append(ModelInput)}). This is the decode step; it allocates nothing.
     */
    float[] decode(int token);

    /**
     * Frees the state's memory now. Idempotent; {@link #append}/{@link #decode} fail with
     * {@link IllegalStateException} afterwards. Must not be called while another thread uses the
     * state.
     */
    @Override
    void close();
}
