package org.vlm4j.util;

/**
 * Thrown by {@link Json#parse} when the input is not valid JSON.
 *
 * <p>The message always names the source (when one was given), the character offset and the
 * 1-based line and column, so that a broken {@code tokenizer.json} or {@code config.json} can be
 * fixed without a debugger.
 */
public final class JsonParseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int offset;
    private final int line;
    private final int column;

    JsonParseException(String problem, String source, int offset, int line, int column) {
        super((source == null ? "" : source + ": ") + problem
                + " at offset " + offset + " (line " + line + ", column " + column + ")");
        this.offset = offset;
        this.line = line;
        this.column = column;
    }

    /** Offset (in UTF-16 chars) of the first offending character. */
    public int offset() {
        return offset;
    }

    /** 1-based line of the offending character. */
    public int line() {
        return line;
    }

    /** 1-based column (in UTF-16 chars) of the offending character. */
    public int column() {
        return column;
    }
}
