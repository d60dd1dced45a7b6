package org.vlm4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.tensor.MatOps;
import org.vlm4j.tensor.QuantizedActivations;
import org.vlm4j.tensor.Quantizer;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/** Random weights in native memory (like a mapped GGUF tensor) and random activations. */
final class BenchData {
    private BenchData() {}

    /** A {@code rows x cols} matrix of {@code type} from N(0, 0.05) values, quantized row by row. */
    static WeightMatrix matrix(Arena arena, GgmlType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long rowBytes = type.byteSize(cols);
        MemorySegment seg = arena.allocate(rowBytes * rows, 64);
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) (r.nextGaussian() * 0.05);
            }
            Quantizer.quantize(type, row, 0, cols, seg, i * rowBytes);
        }
        return WeightMatrix.of(type + "-" + rows + "x" + cols, type, seg, rows, cols);
    }

    static float[] floats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /**
     * {@code out = W x} with int8 activations, one row per pass (the decode kernel before it read four
     * rows at once): the baseline of the four-row benchmarks.
     */
    static float[] matVecOneRowAtATime(WorkerPool pool, WeightMatrix w, float[] x, QuantizedActivations qa, float[] out) {
        // Q8_0/Q4_0: int8 activations; F32/F16/BF16: the f32 dot
        QuantizedActivations a = MatOps.usesQuantizedActivations(w) ? qa.quantize(x, 0, w.cols()) : null;
        pool.forRange(w.rows(), 16, (s, e) -> {
            for (int r = s; r < e; r++) {
                out[r] = a != null ? w.dot(r, a) : w.dot(r, x, 0);
            }
        });
        return out;
    }
}
