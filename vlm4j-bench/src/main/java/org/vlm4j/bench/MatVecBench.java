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
import org.vlm4j.tensor.KernelInfo;
import org.vlm4j.tensor.MatOps;
import org.vlm4j.tensor.WorkerPool;
import org.vlm4j.tensor.WeightMatrix;

/**
 * Decode-style matrix-vector products through {@link MatOps#matVec} (parallel, default paths:
 * int8 activations for Q8_0/Q4_0 unless {@code -Dvlm4j.q8.dot=float}). 1024x1024 per weight type;
 * the 151936x1024 Q8_0 case is the Qwen3 lm_head.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatVecBench {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    public String type;

    @Param({"1024"})
    public int rows;

    @Param({"1024"})
    public int cols;

    /** Worker threads; 0 = available processors. */
    @Param({"0"})
    public int threads;

    private Arena arena;
    private WorkerPool pool;
    private WeightMatrix w;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        pool = WorkerPool.create(threads > 0 ? threads : WorkerPool.defaultThreads());
        w = BenchData.matrix(arena, GgmlType.valueOf(type), rows, cols, 1);
        x = BenchData.floats(cols, 2);
        out = new float[rows];
        System.out.println(KernelInfo.describe(pool));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matVec() {
        MatOps.matVec(pool, w, x, 0, out, 0);
        return out;
    }
}
