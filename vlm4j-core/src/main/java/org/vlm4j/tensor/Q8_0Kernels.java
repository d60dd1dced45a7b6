package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0: blocks of 32 values = f16 scale d + 32 signed bytes q; value = q * d. */
final class Q8_0Kernels extends TypeKernels {
    static final Q8_0Kernels INSTANCE = new Q8_0Kernels();
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (Simd.ENABLED) {
            return QuantVectors.dotQ8Float(w, offset, x, xOff, n);
        }
        return dotReference(w, offset, x, xOff, n);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        if (Simd.ENABLED) {
            QuantVectors.dequantizeQ8(w, offset, dst, dstOff, n);
            return;
        }
        dequantizeReference(w, offset, dst, dstOff, n);
    }

    @Override
    public float dotReference(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long bo = offset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(S, bo));
            float bs = 0f;
            for (int j = 0; j < BLOCK; j++) {
                bs += w.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * x[xOff + b * BLOCK + j];
            }
            s += bs * d;
        }
        return s;
    }

    @Override
    public void dequantizeReference(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long bo = offset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(S, bo));
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOff + b * BLOCK + j] = w.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * d;
            }
        }
    }

    @Override
    public boolean supportsQuantizedDot() {
        return true;
    }

    @Override
    public float dotQuantized(MemorySegment w, long offset, QuantizedActivations a, int aOff, int n) {
        checkQuantized(a, aOff, n);
        if (Simd.ENABLED) {
            return QuantVectors.dotQ8Int(w, offset, a.quants(), a.scales(), aOff, n);
        }
        return dotQuantizedReference(w, offset, a, aOff, n);
    }

    @Override
    public void dotQuantized4(MemorySegment w, long offset, long stride, QuantizedActivations a, int aOff, int n, float[] out, int o,
            int outStride) {
        checkQuantized(a, aOff, n);
        if (Simd.ENABLED) {
            QuantVectors.dotQ8Int4(w, offset, stride, a.quants(), a.scales(), aOff, n, out, o, outStride);
            return;
        }
        super.dotQuantized4(w, offset, stride, a, aOff, n, out, o, outStride);
    }

    @Override
    public float dotQuantizedReference(MemorySegment w, long offset, QuantizedActivations a, int aOff, int n) {
        checkQuantized(a, aOff, n);
        short[] q = a.quants();
        float[] d = a.scales();
        float s = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long bo = offset + (long) b * BLOCK_BYTES;
            int ab = aOff + b * BLOCK;
            int isum = 0;
            for (int j = 0; j < BLOCK; j++) {
                isum += w.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * q[ab + j];
            }
            s += isum * (Float.float16ToFloat(w.get(S, bo)) * d[ab / BLOCK]);
        }
        return s;
    }
}
