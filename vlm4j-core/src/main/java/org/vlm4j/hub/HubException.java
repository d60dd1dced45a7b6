package org.vlm4j.hub;

/**
 * A download or cache lookup failed for a reason the user can act on (repository not found, access
 * denied, checksum mismatch, offline and not cached). The message says which file and what to do.
 */
public class HubException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
