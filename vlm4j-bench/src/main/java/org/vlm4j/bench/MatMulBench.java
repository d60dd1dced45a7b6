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
import org.vlm4j.tensor.WorkerPool;
import org.vlm4j.tensor.WeightMatrix;

/**
 * The vision encoder's GEMM: 1025 tokens through an InternViT MLP matrix (fc1 = 4096 x 1024,
 * fc2 = 1024 x 4096; rows x cols), F16 weights. One op = 8.6 GFLOP; divide to get GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatMulBench {
    @Param({"F16"})
    public String type;

    /** rows x cols of the weight matrix. */
    @Param({"4096x1024"})
    public String shape;

    @Param({"1025"})
    public int tokens;

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
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        arena = Arena.ofShared();
        pool = WorkerPool.create(threads > 0 ? threads : WorkerPool.defaultThreads());
        w = BenchData.matrix(arena, GgmlType.valueOf(type), rows, cols, 7);
        x = BenchData.floats(tokens * cols, 8);
        out = new float[tokens * rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matMul() {
        MatOps.matMul(pool, w, x, tokens, out);
        return out;
    }
}
