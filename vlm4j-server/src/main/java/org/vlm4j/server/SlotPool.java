package org.vlm4j.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fixed set of {@link Slot}s and the bounded queue in front of them. A request takes a free
 * slot, preferring the one whose dialogue it continues (longest prefix), then one with the same
 * system message, then the least recently used; when all are busy it waits if the queue has room
 * and is refused with 503 otherwise.
 */
final class SlotPool {
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

    /**
     * A free slot for a request with fingerprint chain {@code chain}; waits while the queue has room.
     *
     * @throws ApiException 503 when all slots are busy and the queue is full
     */
    Slot acquire(List<String> chain) throws InterruptedException {
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
                        freed.await(1, TimeUnit.SECONDS);
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
