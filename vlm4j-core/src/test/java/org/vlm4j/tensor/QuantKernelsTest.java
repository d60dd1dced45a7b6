package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vlm4j.gguf.GgmlType;

/** Q8_0/Q4_0: vector float path and int8 path against scalar references and exact integers. */
class QuantKernelsTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void floatPathMatchesReference(GgmlType type) {
        SplittableRandom r = new SplittableRandom(7 + type.ordinal());
        TypeKernels k = TypeKernels.of(type);
        for (int n : new int[] {32, 64, 96, 128, 160, 1024, 3072}) {
            MemorySegment w = TestData.randomWeights(r, type, 2, n, 3);
            float[] x = TestData.gaussian(r, n + 40, 1.0);
            long off = type.byteSize(n); // second row
            float[] wr = new float[n];
            k.dequantizeReference(w, off, wr, 0, n);
            double scale = 0;
            for (int i = 0; i < n; i++) {
                scale += Math.abs(wr[i] * x[32 + i]);
            }
            assertEquals(k.dotReference(w, off, x, 32, n), k.dot(w, off, x, 32, n), 2e-6 * scale, type + " n=" + n);
            float[] d = new float[n];
            k.dequantize(w, off, d, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(wr[i]), Float.floatToRawIntBits(d[i]), type + " dequantize i=" + i);
            }
        }
    }

    @Test
    void dequantizeFollowsTheBlockLayout() {
        // Q8_0 block: d = 0.5, q[j] = j - 16 ; Q4_0 block: d = 2, byte j = (j & 15) | ((15 - j) << 4)
        MemorySegment q8 = Arena.ofAuto().allocate(34);
        q8.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, Float.floatToFloat16(0.5f));
        for (int j = 0; j < 32; j++) {
            q8.set(ValueLayout.JAVA_BYTE, 2 + j, (byte) (j - 16));
        }
        MemorySegment q4 = Arena.ofAuto().allocate(18);
        q4.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, Float.floatToFloat16(2f));
        for (int j = 0; j < 16; j++) {
            q4.set(ValueLayout.JAVA_BYTE, 2 + j, (byte) ((j & 15) | ((15 - j) << 4)));
        }
        float[] a = new float[32];
        float[] b = new float[32];
        TypeKernels.of(GgmlType.Q8_0).dequantize(q8, 0, a, 0, 32);
        TypeKernels.of(GgmlType.Q4_0).dequantize(q4, 0, b, 0, 32);
        for (int j = 0; j < 32; j++) {
            assertEquals((j - 16) * 0.5f, a[j], "q8 " + j);
            int nib = j < 16 ? j : 15 - (j - 16);
            assertEquals((nib - 8) * 2f, b[j], "q4 " + j);
        }
    }

    /**
     * With weight scales 1 and activations that are integers with a 127 in every block, the
     * activation scale is exactly 1 and every partial sum is an integer below 2^24, so the int8
     * kernel, its scalar reference and a plain long dot product must agree exactly.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void int8PathIsExactOnIntegerData(GgmlType type) {
        SplittableRandom r = new SplittableRandom(11);
        TypeKernels k = TypeKernels.of(type);
        for (int n : new int[] {32, 64, 96, 1024, 4096}) {
            int bb = type.typeSize();
            MemorySegment w = Arena.ofAuto().allocate((long) n / 32 * bb);
            for (long i = 0; i < w.byteSize(); i++) {
                w.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(256));
            }
            for (int b = 0; b < n / 32; b++) {
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, (long) b * bb, Float.floatToFloat16(1f));
            }
            if (type == GgmlType.Q8_0) {
                w.set(ValueLayout.JAVA_BYTE, 2, (byte) -128); // the extreme weight
            }
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = r.nextInt(255) - 127;
            }
            for (int b = 0; b < n / 32; b++) {
                x[b * 32 + r.nextInt(32)] = r.nextBoolean() ? 127 : -127;
            }
            QuantizedActivations qa = new QuantizedActivations(n).quantize(x, 0, n);
            float[] wf = new float[n];
            k.dequantizeReference(w, 0, wf, 0, n);
            long exact = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(x[i], qa.quant(i), "activation " + i);
                exact += (long) wf[i] * (long) x[i];
            }
            assertEquals((float) exact, k.dotQuantizedReference(w, 0, qa, 0, n), type + " reference n=" + n);
            assertEquals((float) exact, k.dotQuantized(w, 0, qa, 0, n), type + " fast n=" + n);
        }
    }

    /**
     * The Q4_0 int8 kernels sum sixteen times each pair of products in a 16-bit lane (see
     * {@code QuantVectors}); the true value is at most 16 x 2 x 8 x 127 = 32512, and the products
     * before the last subtraction wrap. Rows at and near that bound (every nibble 0, i.e. -8, or
     * 15, i.e. 7, against activations of +-127, alone and mixed) must still give the exact sum,
     * one row at a time and four rows at once.
     */
    @Test
    void q4IntegerSumsAtTheSixteenBitBoundAreExact() {
        TypeKernels k = TypeKernels.of(GgmlType.Q4_0);
        int n = 64;
        int rows = 8;
        long rb = GgmlType.Q4_0.byteSize(n);
        int[] bytes = {0x00, 0xFF, 0x0F, 0xF0, 0x00, 0x80, 0x08, 0x77};
        MemorySegment w = Arena.ofAuto().allocate(rows * rb);
        for (int row = 0; row < rows; row++) {
            for (int b = 0; b < n / 32; b++) {
                long o = row * rb + b * 18L;
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, o, Float.floatToFloat16(1f));
                for (int j = 0; j < 16; j++) {
                    // row 4 alternates the two extremes byte by byte
                    int v = row == 4 ? (j % 2 == 0 ? 0x00 : 0xFF) : bytes[row];
                    w.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) v);
                }
            }
        }
        for (float[] x : new float[][] {filled(n, -127f), filled(n, 127f), alternating(n)}) {
            QuantizedActivations qa = new QuantizedActivations(n).quantize(x, 0, n);
            float[] four = new float[rows];
            k.dotQuantized4(w, 0, rb, qa, 0, n, four, 0, 1);
            k.dotQuantized4(w, 4 * rb, rb, qa, 0, n, four, 4, 1);
            float[] wf = new float[n];
            for (int row = 0; row < rows; row++) {
                k.dequantizeReference(w, row * rb, wf, 0, n);
                long exact = 0;
                for (int i = 0; i < n; i++) {
                    exact += (long) wf[i] * (long) x[i];
                }
                assertEquals((float) exact, k.dotQuantized(w, row * rb, qa, 0, n), "row " + row + ", x[0] = " + x[0]);
                assertEquals((float) exact, four[row], "four-row kernel, row " + row + ", x[0] = " + x[0]);
            }
        }
        // the bound itself is reached: nibbles of -8 against -127 give 16 * 2 * 8 * 127 per lane
        QuantizedActivations qa = new QuantizedActivations(n).quantize(filled(n, -127f), 0, n);
        assertEquals(2 * 32 * 8 * 127f, k.dotQuantized(w, 0, qa, 0, n));
    }

    private static float[] filled(int n, float v) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    private static float[] alternating(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i / 3) % 2 == 0 ? 127f : -127f;
        }
        return x;
    }

    /**
     * Each block's f16 scale is read from its own two bytes whatever its class: the blocks of four
     * rows get different scales (normal, negative, subnormal, zero, negative zero, the largest), in
     * a different order per row, and every fast kernel (dequantize, float dot, int8 dot, four-row
     * int8 dot) must match the scalar reference.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void blockScalesOfEveryKindAreReadPerBlock(GgmlType type) {
        short[] scales = {0x3C00, (short) 0xBC00, 0x0001, 0x03FF, 0x0000, (short) 0x8000, 0x7BFF, 0x2E66, (short) 0x8400, 0x1400};
        int n = 32 * scales.length;
        int rows = 4;
        int bb = type.typeSize();
        long rowBytes = type.byteSize(n);
        SplittableRandom r = new SplittableRandom(21);
        MemorySegment w = Arena.ofAuto().allocate(rows * rowBytes);
        for (long i = 0; i < w.byteSize(); i++) {
            w.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(256));
        }
        for (int row = 0; row < rows; row++) {
            for (int b = 0; b < n / 32; b++) {
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, row * rowBytes + (long) b * bb, scales[(b + 3 * row) % scales.length]);
            }
        }
        TypeKernels k = TypeKernels.of(type);
        float[] x = TestData.gaussian(r, n, 1.0);
        QuantizedActivations qa = new QuantizedActivations(n).quantize(x, 0, n);
        float[] four = new float[rows];
        k.dotQuantized4(w, 0, rowBytes, qa, 0, n, four, 0, 1);
        for (int row = 0; row < rows; row++) {
            long off = row * rowBytes;
            float[] ref = new float[n];
            float[] fast = new float[n];
            k.dequantizeReference(w, off, ref, 0, n);
            k.dequantize(w, off, fast, 0, n);
            double scale = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(fast[i]), type + " row " + row + " value " + i);
                scale += Math.abs(ref[i] * x[i]);
            }
            assertTrue(scale > 1000, "the largest scale takes part: " + scale);
            assertEquals(k.dotReference(w, off, x, 0, n), k.dot(w, off, x, 0, n), 2e-6 * scale, type + " float dot, row " + row);
            float int8 = k.dotQuantized(w, off, qa, 0, n);
            assertEquals(k.dotQuantizedReference(w, off, qa, 0, n), int8, 2e-6 * scale, type + " int8 dot, row " + row);
            assertEquals(int8, four[row], 1e-5 * scale, type + " four-row int8 dot, row " + row);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void int8PathMatchesReferenceAndFloatPath(GgmlType type) {
        SplittableRandom r = new SplittableRandom(3);
        TypeKernels k = TypeKernels.of(type);
        int n = 1024;
        MemorySegment w = TestData.randomWeights(r, type, 8, n, 1);
        float[] x = TestData.gaussian(r, n, 2.0);
        x[5] = 40f; // an outlier block, as real activations have
        QuantizedActivations qa = new QuantizedActivations(16).quantize(x, 0, n);
        for (int row = 0; row < 8; row++) {
            long off = row * type.byteSize(n);
            float[] wf = new float[n];
            k.dequantizeReference(w, off, wf, 0, n);
            double scale = 0;
            double quantErr = 0; // |w| * |x - dequantized activation|, summed: the int8 error bound
            for (int i = 0; i < n; i++) {
                scale += Math.abs(wf[i] * x[i]);
                quantErr += Math.abs(wf[i]) * Math.abs(x[i] - qa.value(i));
            }
            float ref = k.dotQuantizedReference(w, off, qa, 0, n);
            float fast = k.dotQuantized(w, off, qa, 0, n);
            assertEquals(ref, fast, 2e-6 * scale, type + " int8 fast vs reference, row " + row);
            float flt = k.dot(w, off, x, 0, n);
            assertEquals(flt, fast, quantErr + 1e-5 * scale, type + " int8 vs float path, row " + row);
            assertTrue(quantErr < 0.02 * scale + 1e-3, "activation quantization error is small: " + quantErr + " vs " + scale);
        }
        // a sub-range of the activations: blocks 2..5 against weights of length 128
        float got = k.dotQuantized(w, 0, qa, 64, 128);
        assertEquals(k.dotQuantizedReference(w, 0, qa, 64, 128), got, 1e-4f);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void fourRowDotEqualsFourSingleRowDots(GgmlType type) {
        SplittableRandom r = new SplittableRandom(11);
        TypeKernels k = TypeKernels.of(type);
        int n = 96; // three blocks
        int rows = 13;
        long rb = type.byteSize(n);
        MemorySegment w = TestData.randomWeights(r, type, rows, n, 3);
        float[] x = TestData.gaussian(r, 2 * n, 1.5);
        QuantizedActivations qa = new QuantizedActivations(0).quantize(x, 0, 2 * n);
        for (int aOff : new int[] {0, 32, n}) {
            for (int step : new int[] {1, 3, 4}) {
                int first = rows - 1 - 3 * step;
                float[] out = new float[40];
                k.dotQuantized4(w, first * rb, step * rb, qa, aOff, n, out, 2, step);
                for (int i = 0; i < 4; i++) {
                    long off = (first + (long) i * step) * rb;
                    float single = k.dotQuantized(w, off, qa, aOff, n);
                    // the same operations per row and lane sums in the same fixed order: the same bits,
                    // interpreted or compiled (so a row's value does not depend on how rows are grouped)
                    assertEquals(single, out[2 + i * step], type + " aOff=" + aOff + " step=" + step + " row " + i);
                    assertEquals(k.dotQuantizedReference(w, off, qa, aOff, n), out[2 + i * step], 1e-4f);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> k.dotQuantized4(w, 0, rb, qa, 16, 32, new float[4], 0, 1));
    }

    @Test
    void quantizedDotRejectsMisalignedRanges() {
        MemorySegment w = TestData.randomWeights(new SplittableRandom(1), GgmlType.Q8_0, 1, 64, 0);
        QuantizedActivations qa = new QuantizedActivations(64).quantize(new float[64], 0, 64);
        TypeKernels k = TypeKernels.of(GgmlType.Q8_0);
        assertThrows(IllegalArgumentException.class, () -> k.dotQuantized(w, 0, qa, 16, 32));
        assertThrows(IllegalArgumentException.class, () -> k.dotQuantized(w, 0, qa, 32, 64));
        assertThrows(UnsupportedOperationException.class, () -> TypeKernels.of(GgmlType.F16).dotQuantized(w, 0, qa, 0, 32));
        // Q8_0 activations quantized without the Q4_0 terms serve Q8_0 but are refused by Q4_0
        MemorySegment w4 = TestData.randomWeights(new SplittableRandom(2), GgmlType.Q4_0, 4, 64, 0);
        QuantizedActivations plain = new QuantizedActivations(64).quantize(TestData.gaussian(new SplittableRandom(3), 64, 1.0), 0, 64, false);
        assertEquals(false, plain.hasNibbleTerms());
        assertEquals(k.dotQuantizedReference(w, 0, plain, 0, 64), k.dotQuantized(w, 0, plain, 0, 64), 1e-4f);
        TypeKernels k4 = TypeKernels.of(GgmlType.Q4_0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k4.dotQuantized(w4, 0, plain, 0, 64));
        assertTrue(e.getMessage().contains("Q4_0 terms"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> k4.dotQuantized4(w4, 0, 18L * 2, plain, 0, 64, new float[4], 0, 1));
        assertEquals(true, plain.quantize(new float[64], 0, 64).hasNibbleTerms());
        assertEquals(false, TypeKernels.of(GgmlType.F32).supportsQuantizedDot());
    }
}
