package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0: blocks of 32 values = f16 scale d + 16 bytes; byte j holds element j in its low nibble and
 * element j + 16 in its high nibble; value = (nibble - 8) * d.
 */
final class Q4_0Kernels extends TypeKernels {
    static final Q4_0Kernels INSTANCE = new Q4_0Kernels();
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (Simd.ENABLED) {
            return QuantVectors.dotQ4Float(w, offset, x, xOff, n);
        }
        return dotReference(w, offset, x, xOff, n);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        if (Simd.ENABLED) {
            QuantVectors.dequantizeQ4(w, offset, dst, dstOff, n);
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
            int xb = xOff + b * BLOCK;
            float bs = 0f;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, bo + 2 + j) & 0xFF;
                bs += ((q & 0x0F) - 8) * x[xb + j] + ((q >>> 4) - 8) * x[xb + j + 16];
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
            int o = dstOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, bo + 2 + j) & 0xFF;
                dst[o + j] = ((q & 0x0F) - 8) * d;
                dst[o + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    @Override
    public boolean supportsQuantizedDot() {
        return true;
    }

    @Override
    public float dotQuantized(MemorySegment w, long offset, QuantizedActivations a, int aOff, int n) {
        checkNibbleTerms(a, aOff, n);
        if (Simd.ENABLED) {
            return QuantVectors.dotQ4Int(w, offset, a.quants(), a.nibbleTerms(), a.scales(), aOff, n);
        }
        return dotQuantizedReference(w, offset, a, aOff, n);
    }

    @Override
    public void dotQuantized4(MemorySegment w, long offset, long stride, QuantizedActivations a, int aOff, int n, float[] out, int o,
            int outStride) {
        checkNibbleTerms(a, aOff, n);
        if (Simd.ENABLED) {
            QuantVectors.dotQ4Int4(w, offset, stride, a.quants(), a.nibbleTerms(), a.scales(), aOff, n, out, o, outStride);
            return;
        }
        super.dotQuantized4(w, offset, stride, a, aOff, n, out, o, outStride);
    }

    private static void checkNibbleTerms(QuantizedActivations a, int aOff, int n) {
        checkQuantized(a, aOff, n);
        if (!a.hasNibbleTerms()) {
            throw new IllegalArgumentException("activations were quantized without the Q4_0 terms (quantize(..., nibbleTerms = false))");
        }
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
            for (int j = 0; j < 16; j++) {
                int v = w.get(ValueLayout.JAVA_BYTE, bo + 2 + j) & 0xFF;
                isum += ((v & 0x0F) - 8) * q[ab + j] + ((v >>> 4) - 8) * q[ab + j + 16];
            }
            s += isum * (Float.float16ToFloat(w.get(S, bo)) * d[ab / BLOCK]);
        }
        return s;
    }
}
