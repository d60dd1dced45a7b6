package org.vlm4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.vlm4j.gguf.GgmlType;

/** Random weights and activations for the kernel tests. */
final class TestData {
    private TestData() {}

    static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }

    /**
     * Random raw bytes of {@code rows x cols} weights of {@code type}, at byte offset {@code pad}
     * of the returned native segment (so that loads are not aligned). Quantized blocks get
     * random quants (the full byte range) and a random positive or negative f16 scale.
     */
    static MemorySegment randomWeights(SplittableRandom r, GgmlType type, int rows, int cols, int pad) {
        long bytes = type.byteSize((long) rows * cols);
        MemorySegment seg = Arena.ofAuto().allocate(bytes + pad + 64, 64).asSlice(pad, bytes);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * i, (float) r.nextGaussian());
                }
            }
            case F16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, Float.floatToFloat16((float) r.nextGaussian()));
                }
            }
            case BF16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, Quantizer.toBF16((float) r.nextGaussian()));
                }
            }
            case Q8_0, Q4_0 -> {
                for (long i = 0; i < bytes; i++) {
                    seg.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(256));
                }
                int bb = type.typeSize();
                for (long b = 0; b < bytes / bb; b++) {
                    float d = (float) ((r.nextBoolean() ? 1 : -1) * (0.001 + 0.02 * r.nextDouble()));
                    seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, b * bb, Float.floatToFloat16(d));
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return seg;
    }

    /** sum |w_i * x_i| over a row: the scale of a dot product's rounding error. */
    static double absDot(WeightMatrix w, int row, float[] x, int xOff) {
        float[] wr = new float[w.cols()];
        w.kernels().dequantizeReference(w.data(), row * w.rowBytes(), wr, 0, w.cols());
        double s = 0;
        for (int i = 0; i < wr.length; i++) {
            s += Math.abs((double) wr[i] * x[xOff + i]);
        }
        return s;
    }
}
