package org.vlm4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A persistent pool of worker threads for data-parallel kernels.
 *
 * <p>One call to {@link #run} splits a job into numbered chunks; the calling thread and the workers
 * take chunks from a shared atomic counter until none are left, then the caller waits for the last
 * chunk to finish. Workers spin briefly before parking, because decode-time jobs last only tens of
 * microseconds and park/unpark latency would dominate. Jobs from different threads are serialised;
 * a job started from inside a chunk runs inline on that thread.
 */
public final class WorkerPool implements AutoCloseable {
    /** A numbered unit of work. */
    @FunctionalInterface
    public interface ChunkTask {
        void run(int chunk);
    }

    /** A half-open index range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final int SPINS = 20_000;
    private static volatile WorkerPool defaultPool;

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock jobLock = new ReentrantLock();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile ChunkTask task;
    private volatile int total;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private final ThreadLocal<Boolean> inJob = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "vlm4j-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** A pool of {@code threads} threads in total (the calling thread counts as one). */
    public static WorkerPool create(int threads) {
        return new WorkerPool(threads);
    }

    /** Number of threads that run chunks, counting the caller. */
    public int threads() {
        return threads;
    }

    /** Default thread count: the available processors. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** A lazily created shared pool with {@link #defaultThreads()} threads. */
    public static WorkerPool shared() {
        WorkerPool p = defaultPool;
        if (p == null) {
            synchronized (WorkerPool.class) {
                p = defaultPool;
                if (p == null) {
                    p = new WorkerPool(defaultThreads());
                    defaultPool = p;
                }
            }
        }
        return p;
    }

    /** Runs {@code task.run(c)} for every chunk {@code c} in {@code [0, chunks)} and waits for all of them. */
    public void run(int chunks, ChunkTask task) {
        if (chunks <= 0) {
            return;
        }
        if (chunks == 1 || threads == 1 || inJob.get()) {
            for (int c = 0; c < chunks; c++) {
                task.run(c);
            }
            return;
        }
        jobLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("worker pool is closed");
            }
            failure = null;
            this.task = task;
            this.total = chunks;
            next.set(0);
            pending.set(chunks);
            generation++; // publishes task/total (volatile write)
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            inJob.set(Boolean.TRUE);
            try {
                work(task, chunks);
            } finally {
                inJob.set(Boolean.FALSE);
            }
            int spins = 0;
            while (pending.get() > 0) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            this.task = null;
            Throwable f = failure;
            if (f != null) {
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error err) {
                    throw err;
                }
                throw new RuntimeException(f);
            }
        } finally {
            jobLock.unlock();
        }
    }

    /**
     * Splits {@code [0, n)} into about {@code 4 x threads} ranges of at least {@code grain} indices
     * and runs them in parallel.
     */
    public void forRange(int n, int grain, RangeTask task) {
        if (n <= 0) {
            return;
        }
        int g = Math.max(1, grain);
        int chunks = Math.max(1, Math.min((n + g - 1) / g, threads * 4));
        if (chunks == 1) {
            task.run(0, n);
            return;
        }
        int size = (n + chunks - 1) / chunks;
        int realChunks = (n + size - 1) / size;
        run(realChunks, c -> task.run(c * size, Math.min(n, (c + 1) * size)));
    }

    private void work(ChunkTask t, int chunks) {
        int c;
        while ((c = next.getAndIncrement()) < chunks) {
            try {
                t.run(c);
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                }
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private void workerLoop() {
        inJob.set(Boolean.TRUE);
        long seen = 0;
        while (!closed) {
            long g = generation;
            if (g == seen) {
                int spins = 0;
                while ((g = generation) == seen && !closed) {
                    if (++spins < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.parkNanos(this, 1_000_000L);
                    }
                }
                if (closed) {
                    return;
                }
            }
            seen = g;
            ChunkTask t = task;
            int n = total;
            if (t != null) {
                work(t, n);
            }
        }
    }

    @Override
    public void close() {
        if (this == defaultPool) {
            return;
        }
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
