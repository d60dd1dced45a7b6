package org.vlm4j.cli;

/**
 * A command failed for a reason the user can fix (bad combination of options, output exists, ...).
 * The message is shown as is after {@code vlm4j: error:}, without a stack trace.
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CliException(String message) {
        super(message);
    }

    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
