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
