package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerPoolTest {

    /**
     * Many short jobs back to back, with chunk counts that go up and down: a worker still finishing
     * one job must never claim a chunk of the next (the pool reuses one job slot; a job with more
     * chunks than the last once let a late worker run the new task with the old job's next index).
     */
    @Test
    void everyChunkRunsExactlyOnceAcrossManySmallJobs() {
        try (WorkerPool pool = WorkerPool.create(3)) {
            for (int job = 0; job < 50_000; job++) {
                int chunks = 1 + job % 7;
                AtomicIntegerArray hits = new AtomicIntegerArray(chunks);
                pool.run(chunks, hits::incrementAndGet);
                for (int c = 0; c < chunks; c++) {
                    assertEquals(1, hits.get(c), "job " + job + " chunk " + c);
                }
            }
        }
    }

    @Test
    void forRangeCoversTheRangeOnce() {
        try (WorkerPool pool = WorkerPool.create(2)) {
            for (int n : new int[] {1, 2, 15, 16, 17, 1000, 151936}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.forRange(n, 16, (s, e) -> {
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "n=" + n + " i=" + i);
                }
            }
            pool.forRange(0, 16, (s, e) -> {
                throw new AssertionError("empty range must not run");
            });
        }
    }

    @Test
    void exceptionsPropagateAndThePoolStaysUsable() {
        try (WorkerPool pool = WorkerPool.create(3)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(64, c -> {
                if (c == 37) {
                    throw new IllegalStateException("chunk 37");
                }
            }));
            assertEquals("chunk 37", e.getMessage());
            assertThrows(StackOverflowError.class, () -> pool.run(8, c -> {
                if (c == 5) {
                    throw new StackOverflowError();
                }
            }));
            UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> pool.run(4, c -> {
                throw new UncheckedIOException(new IOException("io"));
            }));
            assertEquals("io", u.getCause().getMessage());
            AtomicInteger n = new AtomicInteger();
            pool.run(100, c -> n.incrementAndGet());
            assertEquals(100, n.get());
        }
    }

    @Test
    void nestedJobsRunInline() {
        try (WorkerPool pool = WorkerPool.create(2)) {
            AtomicInteger inner = new AtomicInteger();
            ConcurrentHashMap<Thread, Boolean> innerThreads = new ConcurrentHashMap<>();
            pool.run(6, c -> {
                Thread outer = Thread.currentThread();
                pool.run(5, d -> {
                    inner.incrementAndGet();
                    innerThreads.put(Thread.currentThread(), Boolean.TRUE);
                    assertSame(outer, Thread.currentThread());
                });
            });
            assertEquals(30, inner.get());
            assertTrue(innerThreads.size() >= 1);
        }
    }

    @Test
    void twoThreadsSubmittingConcurrently() throws Exception {
        try (WorkerPool pool = WorkerPool.create(3)) {
            AtomicReference<Throwable> err = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            Thread[] ts = new Thread[2];
            long[] sums = new long[2];
            for (int i = 0; i < 2; i++) {
                int id = i;
                ts[i] = new Thread(() -> {
                    try {
                        go.await();
                        for (int job = 0; job < 3000; job++) {
                            AtomicInteger s = new AtomicInteger();
                            pool.run(10, c -> s.addAndGet(c + id));
                            sums[id] += s.get();
                        }
                    } catch (Throwable t) {
                        err.compareAndSet(null, t);
                    }
                });
                ts[i].start();
            }
            go.countDown();
            for (Thread t : ts) {
                t.join();
            }
            if (err.get() != null) {
                throw new AssertionError(err.get());
            }
            assertEquals(3000L * 45, sums[0]);
            assertEquals(3000L * 55, sums[1]);
        }
    }

    @Test
    void singleThreadPoolAndClosedPool() {
        WorkerPool one = WorkerPool.create(1);
        AtomicInteger n = new AtomicInteger();
        one.run(10, c -> n.incrementAndGet());
        assertEquals(10, n.get());
        one.close();
        assertThrows(IllegalStateException.class, () -> one.run(2, c -> { }));
        assertThrows(IllegalArgumentException.class, () -> WorkerPool.create(0));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> WorkerPool.create(WorkerPool.MAX_THREADS + 1));
        assertEquals("threads must be between 1 and 512, got 513", tooMany.getMessage());
        assertSame(WorkerPool.shared(), WorkerPool.shared());
    }
}
