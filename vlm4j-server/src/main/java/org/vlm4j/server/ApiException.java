package org.vlm4j.server;

/**
 * A request the server refuses, with what the client needs to fix it: the HTTP status and the
 * fields of an OpenAI error object ({@code message}, {@code type}, {@code param}, {@code code}).
 * Thrown anywhere in request handling and turned into the JSON error body in one place.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String type, String param, String code, String message) {
        this(status, type, param, code, message, null);
    }

    public ApiException(int status, String type, String param, String code, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 invalid_request_error naming the offending field. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, "invalid_value", message);
    }

    /** 400 for a field of the wrong JSON type. */
    public static ApiException wrongType(String param, String expected) {
        return new ApiException(400, "invalid_request_error", param, "invalid_type", "'" + param + "' must be " + expected);
    }

    /** 400 for a missing required field. */
    public static ApiException missing(String param) {
        return new ApiException(400, "invalid_request_error", param, "missing_required_parameter",
                "'" + param + "' is required");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds for a {@code Retry-After} header, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
