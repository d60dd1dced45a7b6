package org.vlm4j.gguf;

/**
 * A GGUF file is malformed or unsupported. The message names the file, the field and the byte
 * offset where the problem was found, so that a user can tell a truncated download from a file of
 * another format.
 */
public class GgufFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
