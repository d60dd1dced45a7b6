package org.vlm4j.bench;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
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
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.tensor.MatOps;
import org.vlm4j.tensor.QuantizedActivations;
import org.vlm4j.tensor.WorkerPool;
import org.vlm4j.tensor.WeightMatrix;

/**
 * The Qwen3 lm_head, 151936 x 1024 (Q8_0: 165 MB, F16/BF16: 311 MB; memory-bound), one token:
 * the production matrix-vector path against reading one row at a time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class LmHeadBench {
    @Param({"Q8_0"})
    public String type;

    /** Worker threads; 0 = available processors. */
    @Param({"0"})
    public int threads;

    private Arena arena;
    private WorkerPool pool;
    private WeightMatrix w;
    private float[] x;
    private float[] out;
    private final QuantizedActivations qa = new QuantizedActivations(1024);

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        pool = WorkerPool.create(threads > 0 ? threads : WorkerPool.defaultThreads());
        w = BenchData.matrix(arena, GgmlType.valueOf(type), 151936, 1024, 3);
        x = BenchData.floats(1024, 4);
        out = new float[151936];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** The production path: four rows per pass (Q8_0/Q4_0 with int8 activations). */
    @Benchmark
    public float[] lmHead() {
        MatOps.matVec(pool, w, x, 0, out, 0);
        return out;
    }

    /** The same product one row at a time (the kernel before four-row passes), for comparison. */
    @Benchmark
    public float[] lmHeadOneRowAtATime() {
        return BenchData.matVecOneRowAtATime(pool, w, x, qa, out);
    }
}
