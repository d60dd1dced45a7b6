package org.vlm4j.model;

/**
 * An input does not fit in the remaining context of a {@link SequenceState}. Thrown before anything
 * is computed, so the state is unchanged and can still be used (for example after
 * {@link SequenceState#truncate truncating} or with a shorter input).
 */
public final class ContextFullException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int position;
    private final int requested;
    private final int capacity;

    public ContextFullException(int position, int requested, int capacity) {
        super("context is full: " + requested + " new position" + (requested == 1 ? "" : "s") + " at position "
                + position + " need " + ((long) position + requested) + " but the context holds " + capacity
                + " (use a larger context size or a shorter input)");
        this.position = position;
        this.requested = requested;
        this.capacity = capacity;
    }

    /** Positions already in the cache when the input was rejected. */
    public int position() {
        return position;
    }

    /** Positions the input needed. */
    public int requested() {
        return requested;
    }

    /** Context size. */
    public int capacity() {
        return capacity;
    }
}
