package org.vlm4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A persistent pool of worker threads for data-parallel kernels.
 *
 * <p>One call to {@link #run} splits a job into numbered chunks; the calling thread and the workers
 * take chunks from the job's atomic counter until none are left, then the caller waits for the
 * last chunk to finish. Workers spin briefly before parking, because decode-time jobs last only
 * tens of microseconds and park/unpark latency would dominate.
 *
 * <p>Starting a job allocates nothing (decode runs ~140 jobs per token): the pool has one job slot
 * that is reused, stamped with a generation number. A chunk is claimed by a compare-and-set on one
 * {@code long} holding {@code (generation << 32) | next chunk}, so a worker that wakes up late can
 * never run an old task with a new job's chunk numbers: its claim fails once the job has moved on,
 * and it goes back to waiting.
 *
 * <p>Jobs from different threads are serialised; a job started from inside a chunk (on any
 * thread of this pool) runs inline on that thread. If chunks throw, the remaining chunks are
 * skipped and the first exception is rethrown to the caller of {@link #run} (checked exceptions
 * wrapped in a {@code RuntimeException}).
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

    /** How long an idle worker spins before parking (and the caller before yielding). */
    private static final long SPIN_NANOS = 200_000L;
    private static volatile WorkerPool defaultPool;

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock jobLock = new ReentrantLock();
    private volatile boolean closed;
    // The job slot, reused by every job (see work for why a late reader cannot mix two jobs).
    private volatile ChunkTask task;
    private volatile int total;
    private volatile int generation;
    /** Chunk index of a claim word while a new job is being written: larger than any chunk count. */
    private static final int CLOSED = Integer.MAX_VALUE;
    /** {@code (generation << 32) | next unclaimed chunk} of the current job. */
    private final AtomicLong claim = new AtomicLong();
    /** Chunks of the current job not finished yet. */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ThreadLocal<Boolean> inJob = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private WorkerPool(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be between 1 and " + MAX_THREADS + ", got " + threads);
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

    /**
     * The most threads a pool may have (as ggml's limit). Far beyond any useful count: each thread
     * also gets scratch buffers (GEMM panels, attention tiles), and a mistyped {@code -t 9999}
     * should be a clear error, not an out-of-memory failure.
     */
    public static final int MAX_THREADS = 512;

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

    /** A lazily created shared pool with {@link #defaultThreads()} threads (never closed). */
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
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
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
            int gen = generation + 1;
            // Close the slot first: a late worker still in the last job (whose claim word would
            // otherwise stay valid) must not claim a chunk of the task written next.
            claim.set(((long) gen << 32) | CLOSED);
            this.task = task;
            this.total = chunks;
            failure.set(null);
            pending.set(chunks);
            claim.set((long) gen << 32);
            generation = gen;
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            inJob.set(Boolean.TRUE);
            try {
                work(gen);
            } finally {
                inJob.set(Boolean.FALSE);
            }
            awaitDone();
            this.task = null;
            Throwable f = failure.get();
            if (f != null) {
                failure.set(null);
                rethrow(f);
            }
        } finally {
            jobLock.unlock();
        }
    }

    private void awaitDone() {
        if (pending.get() == 0) {
            return;
        }
        long start = System.nanoTime();
        int spins = 0;
        while (pending.get() > 0) {
            if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private static void rethrow(Throwable f) {
        if (f == null) {
            return;
        }
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error err) {
            throw err;
        }
        throw new RuntimeException(f);
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

    /**
     * Runs chunks of job {@code gen} until none are left or the job is no longer current.
     *
     * <p>The task and chunk count are read between reading the claim word and the CAS that claims
     * chunk {@code c}. A new job first sets the word to its own generation with the index
     * {@link #CLOSED}, and only then writes the task and count. So if the CAS succeeds, the word still
     * held {@code (gen, c)}: no newer job had started writing, and the task and count read are job
     * {@code gen}'s (both volatile, so reading a newer task would also make the CAS see the closed
     * word and fail).
     */
    private void work(int gen) {
        while (true) {
            long word = claim.get();
            if ((int) (word >>> 32) != gen) {
                return;
            }
            int c = (int) word;
            ChunkTask t = task;
            if (c >= total) {
                return;
            }
            if (!claim.compareAndSet(word, word + 1)) {
                continue;
            }
            try {
                if (failure.get() == null) {
                    t.run(c);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private void workerLoop() {
        inJob.set(Boolean.TRUE);
        int seen = 0;
        while (!closed) {
            int g = generation;
            if (g != seen) {
                seen = g;
                work(g);
                continue;
            }
            long start = System.nanoTime();
            int spins = 0;
            while (generation == seen) {
                if (closed) {
                    return;
                }
                if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 10_000_000L);
                }
            }
        }
    }

    /** Stops the worker threads (the shared pool ignores this). Later {@link #run} calls throw. */
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
