package org.vlm4j.convert;

/**
 * A checkpoint cannot be converted: unsupported architecture, a missing or unexpected tensor, a
 * shape that does not match the config, an unreadable tokenizer. The message names the file and
 * the tensor or field.
 */
public class ConvertException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConvertException(String message) {
        super(message);
    }

    public ConvertException(String message, Throwable cause) {
        super(message, cause);
    }
}
