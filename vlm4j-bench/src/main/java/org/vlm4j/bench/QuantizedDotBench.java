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
import org.vlm4j.tensor.WeightMatrix;

/**
 * The two Q8_0/Q4_0 matrix-vector formulations on one thread, 1024 x 1024: int8 (activation
 * quantization included) versus float (dequantize on the fly). Backs the default of
 * {@code KernelInfo.quantizedDot}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class QuantizedDotBench {
    @Param({"Q8_0", "Q4_0"})
    public String type;

    private Arena arena;
    private WeightMatrix w;
    private float[] x;
    private float[] out;
    private QuantizedActivations qa;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        w = BenchData.matrix(arena, GgmlType.valueOf(type), 1024, 1024, 5);
        x = BenchData.floats(1024, 6);
        out = new float[1024];
        qa = new QuantizedActivations(1024);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] int8() {
        qa.quantize(x, 0, 1024);
        MatOps.matVecRows(w, qa, out, 0, 0, 1024);
        return out;
    }

    /** int8, one row per pass instead of four ({@code int8} uses {@link MatOps#matVecRows}: four rows per pass). */
    @Benchmark
    public float[] int8OneRowAtATime() {
        qa.quantize(x, 0, 1024);
        for (int r = 0; r < 1024; r++) {
            out[r] = w.dot(r, qa);
        }
        return out;
    }

    @Benchmark
    public float[] floatPath() {
        MatOps.matVecRows(w, x, 0, out, 0, 0, 1024);
        return out;
    }
}
