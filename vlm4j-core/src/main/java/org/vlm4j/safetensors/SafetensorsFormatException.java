package org.vlm4j.safetensors;

/**
 * A safetensors file (or its shard index) is malformed: the message names the file and the field
 * at fault, so that a user can tell a truncated download from a wrong file.
 */
public class SafetensorsFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
