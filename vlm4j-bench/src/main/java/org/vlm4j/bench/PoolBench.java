package org.vlm4j.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vlm4j.tensor.WorkerPool;

/**
 * The cost of one parallel region of the worker pool with (almost) empty chunks: hand-off to the
 * spinning workers, chunk claims and the final wait. A decoded token of InternVL3.5-1B runs ~140
 * such regions, so this is the per-region overhead that decode pays on top of the kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PoolBench {
    /** Threads of the pool, the caller included. */
    @Param({"2"})
    public int threads;

    /** Chunks per region (decode's fused products use 4 per thread). */
    @Param({"8"})
    public int chunks;

    private WorkerPool pool;
    private AtomicLongArray sink;
    private WorkerPool.ChunkTask task;

    @Setup(Level.Trial)
    public void setUp() {
        pool = WorkerPool.create(threads);
        sink = new AtomicLongArray(chunks * 16);
        task = c -> sink.lazySet(c * 16, sink.get(c * 16) + 1); // one cache line per chunk
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public void emptyRegion() {
        pool.run(chunks, task);
    }
}
