package org.vlm4j.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The fixed set of {@link Slot}s and the bounded queue in front of them. A request takes a free
 * slot, preferring the one whose dialogue it continues (longest prefix), then one with the same
 * system message, then the least recently used; when all are busy it waits if the queue has room
 * and is refused with 503 otherwise. A waiting request is asked about once a second whether its
 * client still wants the answer, so a client that left gives up its place in the queue.
 */
final class SlotPool {
    /** How often a waiting request checks that its client is still there. */
    static final long CHECK_MILLIS = 1000;
    /** The error code of a request whose client left while it waited. */
    static final String CLIENT_GONE = "client_gone";
    /** {@link #CHECK_MILLIS}, shortened by tests. */
    static volatile long checkMillis = CHECK_MILLIS;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private final List<Slot> free = new ArrayList<>();
    private final int size;
    private final int maxQueue;
    private int waiting;
    private long clock;

    SlotPool(int slots, int maxQueue) {
        for (int i = 0; i < slots; i++) {
            free.add(new Slot(i));
        }
        this.size = slots;
        this.maxQueue = maxQueue;
    }

    /** {@link #acquire(List, BooleanSupplier)} for a request whose client cannot be checked. */
    Slot acquire(List<String> chain) throws InterruptedException {
        return acquire(chain, () -> true);
    }

    /**
     * A free slot for a request with fingerprint chain {@code chain}; waits while the queue has room.
     * While waiting, {@code stillWanted} is called (outside the lock) every {@link #CHECK_MILLIS} ms;
     * when it returns false the request leaves the queue.
     *
     * @throws ApiException 503 when all slots are busy and the queue is full; 499 {@code client_gone}
     *     when {@code stillWanted} said the client left while the request waited
     */
    Slot acquire(List<String> chain, BooleanSupplier stillWanted) throws InterruptedException {
        lock.lock();
        try {
            if (free.isEmpty()) {
                if (waiting >= maxQueue) {
                    throw new ApiException(503, "server_error", null, "server_busy",
                            "all " + size + " slots are busy and " + waiting + " requests are waiting; retry later", 1);
                }
                waiting++;
                try {
                    while (free.isEmpty()) {
                        if (!freed.await(checkMillis, TimeUnit.MILLISECONDS) && free.isEmpty() && !stillWantedUnlocked(stillWanted)) {
                            throw new ApiException(499, "invalid_request_error", null, CLIENT_GONE,
                                    "the client closed the connection while the request waited for a slot");
                        }
                    }
                } finally {
                    waiting--;
                }
            }
            Slot best = null;
            long bestScore = Long.MIN_VALUE;
            for (Slot s : free) {
                long score;
                if (s.continues(chain)) {
                    score = 2L * Integer.MAX_VALUE + s.chain.size();
                } else if (s.commonPrefix(chain) > 0) {
                    score = Integer.MAX_VALUE - (clock - s.lastUsed);
                } else {
                    score = -(clock - s.lastUsed) - 1;
                }
                if (score > bestScore) {
                    bestScore = score;
                    best = s;
                }
            }
            free.remove(best);
            best.lastUsed = ++clock;
            return best;
        } finally {
            lock.unlock();
        }
    }

    /** Asks {@code stillWanted} without holding the lock (it may do I/O), then takes the lock back. */
    private boolean stillWantedUnlocked(BooleanSupplier stillWanted) {
        lock.unlock();
        try {
            return stillWanted.getAsBoolean();
        } finally {
            lock.lock();
        }
    }

    void release(Slot s) {
        lock.lock();
        try {
            free.add(s);
            freed.signal();
        } finally {
            lock.unlock();
        }
    }

    int size() {
        return size;
    }

    int busy() {
        lock.lock();
        try {
            return size - free.size();
        } finally {
            lock.unlock();
        }
    }

    int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }
}
