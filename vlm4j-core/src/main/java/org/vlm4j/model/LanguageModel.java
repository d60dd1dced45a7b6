package org.vlm4j.model;

import org.vlm4j.tensor.WorkerPool;

/**
 * A loaded decoder-only language model: immutable, thread-safe weights (usually mapped from a GGUF
 * file and shared by every conversation). All mutable data of one token sequence - the KV cache and
 * scratch buffers - lives in a {@link SequenceState} obtained from {@link #newState}, so several
 * conversations can run on one model at the same time, each with its own state.
 */
public interface LanguageModel {

    /** Context size used when the caller does not choose one. */
    int DEFAULT_CONTEXT = 4096;

    /** Rows of the output head = length of a logits vector. */
    int vocabSize();

    /** Width of an embedding row (the hidden size); {@link ModelInput} rows must have this width. */
    int embeddingWidth();

    /** The longest context the model was trained for (GGUF {@code context_length}). */
    int trainedContextLength();

    /**
     * A fresh, empty sequence state with room for {@code contextSize} positions, computing on
     * {@code pool}.
     *
     * @throws IllegalArgumentException if {@code contextSize} is below 1 or above
     *     {@link #trainedContextLength()}
     */
    SequenceState newState(int contextSize, WorkerPool pool);
}
