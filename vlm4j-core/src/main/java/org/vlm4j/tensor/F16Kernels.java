package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** IEEE half-precision weights. */
final class F16Kernels extends TypeKernels {
    static final F16Kernels INSTANCE = new F16Kernels();
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (Simd.ENABLED) {
            return FloatTypeVectors.dotF16(w, offset, x, xOff, n);
        }
        return dotReference(w, offset, x, xOff, n);
    }

    @Override
    public void dot4(MemorySegment w, long offset, long stride, float[] x, int xOff, int n, float[] out, int o, int outStride) {
        if (Simd.ENABLED && FloatTypeVectors.dotF16x4(w, offset, stride, x, xOff, n, out, o, outStride)) {
            return;
        }
        super.dot4(w, offset, stride, x, xOff, n, out, o, outStride); // a row holds inf or NaN: one exact row at a time
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        if (Simd.ENABLED) {
            FloatTypeVectors.dequantizeF16(w, offset, dst, dstOff, n);
            return;
        }
        dequantizeReference(w, offset, dst, dstOff, n);
    }

    @Override
    public float dotReference(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += Float.float16ToFloat(w.get(S, offset + 2L * i)) * x[xOff + i];
        }
        return s;
    }

    @Override
    public void dequantizeReference(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(w.get(S, offset + 2L * i));
        }
    }
}
