package org.vlm4j.vision;

import java.io.IOException;
import java.util.Objects;

/**
 * An image could not be turned into RGB pixels: unreadable file, unknown format, truncated or
 * corrupt data, a size over the configured limits, or a zero-size image.
 *
 * <p>It is an {@link IOException} because it is always about the content of an input file or
 * stream, and callers that read files already handle {@code IOException}. The message always starts
 * with the source (file name or the name the caller gave) followed by the problem, so it can be
 * shown to a user as it is. {@link #reason()} classifies the failure for programs (a server, for
 * example, answers "too large" differently from "corrupt").
 */
public final class ImageDecodeException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What kind of failure this is. */
    public enum Reason {
        /** The file could not be read at all (missing, permissions, I/O error). */
        UNREADABLE,
        /** The file size or the pixel count is over the configured limit. */
        TOO_LARGE,
        /** The header declares a width or height of zero. */
        ZERO_SIZE,
        /** No registered image reader recognises the data. */
        UNKNOWN_FORMAT,
        /** The data is truncated or corrupt. */
        CORRUPT
    }

    private final String source;
    private final Reason reason;
    private final String problem;

    /** Creates an exception for {@code source} (a file name or description) and a problem text. */
    public ImageDecodeException(String source, Reason reason, String problem) {
        this(source, reason, problem, null);
    }

    /** Same as {@link #ImageDecodeException(String, Reason, String)} with the underlying cause. */
    public ImageDecodeException(String source, Reason reason, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
        this.source = source;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.problem = problem;
    }

    /** The file name or description of the input that failed. */
    public String source() {
        return source;
    }

    /** The problem without the source in front (for a caller that names the input itself). */
    public String detail() {
        return problem;
    }

    /** The kind of failure. */
    public Reason reason() {
        return reason;
    }
}
