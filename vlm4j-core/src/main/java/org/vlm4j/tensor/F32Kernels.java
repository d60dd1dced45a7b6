package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** F32 weights. */
final class F32Kernels extends TypeKernels {
    static final F32Kernels INSTANCE = new F32Kernels();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (Simd.ENABLED) {
            return FloatTypeVectors.dotF32(w, offset, x, xOff, n);
        }
        return dotReference(w, offset, x, xOff, n);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        MemorySegment.copy(w, F, offset, dst, dstOff, n);
    }

    @Override
    public float dotReference(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += w.get(F, offset + 4L * i) * x[xOff + i];
        }
        return s;
    }

    @Override
    public void dequantizeReference(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = w.get(F, offset + 4L * i);
        }
    }
}
