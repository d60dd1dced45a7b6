package org.vlm4j.chat;

/**
 * A message could not be answered for a reason the caller can act on (it does not fit in the
 * context, an image is missing, ...). The conversation is unchanged and still usable.
 */
public class ConversationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConversationException(String message) {
        super(message);
    }

    public ConversationException(String message, Throwable cause) {
        super(message, cause);
    }
}
