package org.vlm4j.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * How many decoded image pixels the server holds at once. A request's images stay decoded (three
 * bytes a pixel, and about twice that while they decode) from parsing until its answer is done, also
 * while it waits in the queue, so the limit of one image ({@code maxPixels}) alone does not bound
 * the heap: sixteen requests of sixteen 49-megapixel images each would need gigabytes. So a request
 * may hold at most {@link #perRequest()} pixels in all (more is a 400 naming the image that went
 * over), and all requests together at most {@link #total()} (more is a 503 with {@code Retry-After},
 * as when the queue is full). Pixels are counted from an image's header, before its pixels are
 * decoded, and given back when the request ends.
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
                throw new ApiException(400, "invalid_request_error", param, "too_many_pixels", "'" + param + "': the images of"
                        + " this request would hold " + (held + pixels) + " pixels in all, over the limit of " + perRequest
                        + " pixels per request; send fewer or smaller images");
            }
            long now = used.addAndGet(pixels);
            if (now > total) {
                used.addAndGet(-pixels);
                throw new ApiException(503, "server_error", param, "server_busy", "the server holds too many image pixels of"
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
