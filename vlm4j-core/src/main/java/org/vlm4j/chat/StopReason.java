package org.vlm4j.chat;

/** Why a {@link Generator} run ended. */
public enum StopReason {
    /** The model produced one of the end-of-generation tokens (it is not part of the output). */
    EOS,
    /** The requested maximum number of new tokens was produced. */
    LENGTH,
    /** The context is full: no position is left for another token. */
    CONTEXT,
    /** {@link Generator#cancel()} was called. */
    CANCELLED
}
