package org.vlm4j.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * How many decoded image pixels the server holds at once. Pictures arrive encoded and are decoded
 * only when their turn is computed (three bytes a pixel, about twice that while they decode), so
 * requests waiting in the queue hold none and at most one turn per slot holds any. Still, the limit
 * of one picture ({@code maxPixels}) alone does not bound the heap: a message may carry many
 * pictures, and several slots decode at once. So the pictures of one message may hold at most
 * {@link #perRequest()} pixels in all (more is a 400 naming the picture that went over; the same
 * picture twice counts once), and all slots together at most {@link #total()} (more is a 503 with
 * {@code Retry-After}, as when the queue is full). Pixels are counted from a picture's header,
 * before its pixels are decoded, and given back when its turn is done.
 */
final class ImageBudget {
    private final long perRequest;
    private final long total;
    private final AtomicLong used = new AtomicLong();

    ImageBudget(long perRequest, long total) {
        if (perRequest < 1 || total < perRequest) {
            throw new IllegalArgumentException("need 1 <= perRequest <= total, got " + perRequest + " and " + total);
        }
        this.perRequest = perRequest;
        this.total = total;
    }

    long perRequest() {
        return perRequest;
    }

    long total() {
        return total;
    }

    /** Pixels held by all requests now. */
    long used() {
        return used.get();
    }

    /** The pixels one request holds; give them back with {@link Allowance#close}. */
    Allowance open() {
        return new Allowance();
    }

    /** One request's share. Not thread-safe (a request is parsed on one thread). */
    final class Allowance implements AutoCloseable {
        private long held;
        private boolean closed;

        /**
         * The admission check for the image at {@code param}, for
         * {@link org.vlm4j.vision.ImageDecoder#decode(byte[], String, LongConsumer)}. If a second
         * reader decodes the same image after the first failed, only the difference is counted.
         */
        LongConsumer forImage(String param) {
            long[] counted = {0};
            return pixels -> {
                long more = pixels - counted[0];
                if (more > 0) {
                    acquire(param, more);
                    counted[0] = pixels;
                }
            };
        }

        private void acquire(String param, long pixels) {
            if (closed) {
                throw new IllegalStateException("allowance closed");
            }
            if (held + pixels > perRequest) {
                throw new ApiException(400, "invalid_request_error", param, "too_many_pixels", "'" + param + "': the pictures of"
                        + " this message would hold " + (held + pixels) + " pixels in all, over the limit of " + perRequest
                        + " pixels per message; send fewer or smaller pictures");
            }
            long now = used.addAndGet(pixels);
            if (now > total) {
                used.addAndGet(-pixels);
                throw new ApiException(503, "server_error", param, "server_busy", "the server holds too many picture pixels of"
                        + " other requests now (limit " + total + "); retry later", 1);
            }
            held += pixels;
        }

        /** Pixels this request holds. */
        long held() {
            return held;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                used.addAndGet(-held);
                held = 0;
            }
        }
    }
}
