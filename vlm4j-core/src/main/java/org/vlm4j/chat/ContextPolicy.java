package org.vlm4j.chat;

/** What a {@link Conversation} does when a new message does not fit in the context. */
public enum ContextPolicy {
    /**
     * Drop the oldest complete turns after the system prompt (keeping the turn that shows the
     * image while it still fits) and recompute the cache.
     */
    DROP_OLDEST,
    /** Refuse the message with a {@link ContextFullException}; the dialogue stays as it was. */
    STOP
}
