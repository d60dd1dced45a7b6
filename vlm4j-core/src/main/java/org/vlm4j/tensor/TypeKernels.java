package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import org.vlm4j.gguf.GgmlType;

/**
 * Kernels for one weight type: a dot product of a stored row with f32 activations, and
 * dequantization. Each implementation has a plain scalar reference ({@code dotReference},
 * {@code dequantizeReference}) that the fast path is tested against. Offsets are byte offsets into
 * the weight segment; {@code n} is the element count (a multiple of the block size).
 */
public abstract class TypeKernels {

    /** Fast dot product. */
    public abstract float dot(MemorySegment w, long offset, float[] x, int xOff, int n);

    /** Fast dequantization into {@code dst}. */
    public abstract void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n);

    /** Scalar reference dot product. */
    public abstract float dotReference(MemorySegment w, long offset, float[] x, int xOff, int n);

    /** Scalar reference dequantization. */
    public abstract void dequantizeReference(MemorySegment w, long offset, float[] dst, int dstOff, int n);

    /**
     * {@link #dot} of the four rows at {@code offset + i * stride} ({@code i < 4}) into
     * {@code out[o + i * outStride]}. F16 and BF16 read the four rows in one pass (four memory
     * streams, as {@link #dotQuantized4}) and give each row the bits of a single call, so a row's
     * value does not depend on how a product groups its rows. The default
     * makes the four single calls.
     */
    public void dot4(MemorySegment w, long offset, long stride, float[] x, int xOff, int n, float[] out, int o, int outStride) {
        for (int i = 0; i < 4; i++) {
            out[o + i * outStride] = dot(w, offset + i * stride, x, xOff, n);
        }
    }

    /**
     * Whether this type has an integer dot product with {@link QuantizedActivations}
     * ({@link #dotQuantized}); true for Q8_0 and Q4_0.
     */
    public boolean supportsQuantizedDot() {
        return false;
    }

    /**
     * Dot product of a stored row with 8-bit quantized activations, in integer arithmetic per
     * 32-block: {@code sum_b d_w[b] * d_a[b] * sum_j q_w[j] * q_a[j]}. {@code aOff} is the index of
     * the first activation value used (a multiple of 32), {@code n} the element count.
     *
     * @throws UnsupportedOperationException unless {@link #supportsQuantizedDot()}
     */
    public float dotQuantized(MemorySegment w, long offset, QuantizedActivations a, int aOff, int n) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no quantized-activation dot");
    }

    /**
     * {@link #dotQuantized} of the four rows at {@code offset + i * stride} ({@code i < 4}) into
     * {@code out[o + i * outStride]}: the operations of four single calls, and their bits. Vector
     * implementations read the four rows in one pass: four memory streams at once, which keeps
     * more of the memory bandwidth busy during decode than one row at a time.
     *
     * @throws UnsupportedOperationException unless {@link #supportsQuantizedDot()}
     */
    public void dotQuantized4(MemorySegment w, long offset, long stride, QuantizedActivations a, int aOff, int n, float[] out, int o,
            int outStride) {
        for (int i = 0; i < 4; i++) {
            out[o + i * outStride] = dotQuantized(w, offset + i * stride, a, aOff, n);
        }
    }

    /**
     * Scalar reference of {@link #dotQuantized}: exact integer block sums, then
     * {@code s += isum * (d_w * d_a)} block by block in f32.
     *
     * @throws UnsupportedOperationException unless {@link #supportsQuantizedDot()}
     */
    public float dotQuantizedReference(MemorySegment w, long offset, QuantizedActivations a, int aOff, int n) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no quantized-activation dot");
    }

    static void checkQuantized(QuantizedActivations a, int aOff, int n) {
        if (aOff % QuantizedActivations.BLOCK != 0 || n % QuantizedActivations.BLOCK != 0 || aOff < 0 || aOff + n > a.length()) {
            throw new IllegalArgumentException("quantized activations [" + aOff + ", " + (aOff + n) + ") out of range or not block aligned (length "
                    + a.length() + ")");
        }
    }

    /** The kernels for {@code type}; throws {@link UnsupportedOperationException} for types vlm4j cannot compute with. */
    public static TypeKernels of(GgmlType type) {
        return switch (type) {
            case F32 -> F32Kernels.INSTANCE;
            case F16 -> F16Kernels.INSTANCE;
            case BF16 -> BF16Kernels.INSTANCE;
            case Q8_0 -> Q8_0Kernels.INSTANCE;
            case Q4_0 -> Q4_0Kernels.INSTANCE;
            default -> throw new UnsupportedOperationException("no kernels for " + type);
        };
    }
}
