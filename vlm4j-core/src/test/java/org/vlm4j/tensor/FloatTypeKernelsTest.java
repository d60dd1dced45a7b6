package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vlm4j.gguf.GgmlType;

/** Vector fast paths of F32/F16/BF16 against their scalar references. */
class FloatTypeKernelsTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void dotAndDequantizeMatchReferenceForManyLengths(GgmlType type) {
        SplittableRandom r = new SplittableRandom(type.ordinal());
        TypeKernels k = TypeKernels.of(type);
        // lengths around every vector width (4, 8, 16 floats), odd lengths, and real widths
        int[] lengths = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 63, 64, 65, 100, 127, 129, 255, 588, 1024, 1031};
        for (int n : lengths) {
            for (int pad : new int[] {0, 2, 6}) {
                MemorySegment w = TestData.randomWeights(r, type, 1, n + 3, pad);
                float[] x = TestData.gaussian(r, n + 5, 1.0);
                int xOff = n % 3;
                long off = (n % 2) * type.byteSize(1); // start at element 0 or 1
                int m = n;
                float fast = k.dot(w, off, x, xOff, m);
                float ref = k.dotReference(w, off, x, xOff, m);
                double scale = 0;
                float[] wr = new float[m];
                k.dequantizeReference(w, off, wr, 0, m);
                for (int i = 0; i < m; i++) {
                    scale += Math.abs(wr[i] * x[xOff + i]);
                }
                assertEquals(ref, fast, 1e-6 * scale + 1e-30, type + " dot n=" + m + " pad=" + pad);

                float[] d = new float[m + 2];
                k.dequantize(w, off, d, 1, m);
                for (int i = 0; i < m; i++) {
                    assertEquals(Float.floatToRawIntBits(wr[i]), Float.floatToRawIntBits(d[i + 1]), type + " dequantize n=" + m + " i=" + i);
                }
                assertEquals(0f, d[0]);
                assertEquals(0f, d[m + 1]);
            }
        }
    }

    @Test
    void f16DotMatchesTheReference() {
        assumeTrue(Simd.ENABLED, "vector kernels disabled");
        SplittableRandom r = new SplittableRandom(9);
        TypeKernels k = TypeKernels.of(GgmlType.F16);
        for (int n : new int[] {1, 7, 8, 9, 100, 511, 512, 513, 1024, 1500, 3072}) {
            MemorySegment w = TestData.randomWeights(r, GgmlType.F16, 1, n, 2);
            float[] x = TestData.gaussian(r, n + 1, 1.0);
            float ref = k.dotReference(w, 0, x, 1, n);
            double scale = 0;
            for (int i = 0; i < n; i++) {
                scale += Math.abs(Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i)) * x[1 + i]);
            }
            assertEquals(ref, FloatTypeVectors.dotF16(w, 0, x, 1, n), 1e-6 * scale, "n=" + n);
        }
    }

    @Test
    void f16BitTrickIsExactForAll65536Values() {
        assumeTrue(Simd.ENABLED, "vector kernels disabled");
        MemorySegment all = Arena.ofAuto().allocate(65536 * 2 + 2);
        for (int i = 0; i < 65536; i++) {
            all.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i + 2, (short) i);
        }
        float[] got = new float[65536];
        FloatTypeVectors.dequantizeF16BitTrick(all, 2, got, 0, 65536);
        int nans = 0;
        for (int i = 0; i < 65536; i++) {
            float want = Float.float16ToFloat((short) i);
            int g = Float.floatToRawIntBits(got[i]);
            int e = Float.floatToRawIntBits(want);
            if (Float.isNaN(want)) {
                // the JDK's own result depends on the tier: its Java code keeps a signalling NaN,
                // the F16C intrinsic quiets it; we keep it (sign and payload must match either way)
                assertTrue(Float.isNaN(got[i]), "NaN 0x" + Integer.toHexString(i));
                assertEquals(e & ~0x00400000, g & ~0x00400000, "NaN payload 0x" + Integer.toHexString(i));
                assertEquals((i & 0x7C00) == 0x7C00 ? 0x7F800000 | ((i & 0x3FF) << 13) | ((i & 0x8000) << 16) : -1, g,
                        "NaN bits 0x" + Integer.toHexString(i));
                nans++;
            } else {
                assertEquals(e, g, "half 0x" + Integer.toHexString(i) + " = " + want);
            }
        }
        assertEquals(2 * 1023, nans);
    }

    @Test
    void f16DotHandlesSubnormalsAndInfinity() {
        // one subnormal, the smallest normal, the largest finite value, -0 and +inf in lanes
        short[] halves = {0x0001, 0x03FF, 0x0400, 0x7BFF, (short) 0x8000, 0x3C00, (short) 0xBC00, 0x0200, 0x7C00};
        MemorySegment w = Arena.ofAuto().allocate(2L * halves.length);
        for (int i = 0; i < halves.length; i++) {
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, halves[i]);
        }
        float[] x = new float[halves.length];
        x[0] = 1f;
        x[1] = 0.5f;
        x[2] = 0.25f;
        x[3] = 1f / 65504f;
        TypeKernels k = TypeKernels.of(GgmlType.F16);
        int n = halves.length - 1; // without the infinity
        float want = 0x1p-24f + 1023 * 0x1p-24f * 0.5f + 0x1p-14f * 0.25f + 65504f * (1f / 65504f);
        assertEquals(want, k.dot(w, 0, x, 0, n), 1e-7f);
        x[8] = 1f;
        assertEquals(Float.POSITIVE_INFINITY, k.dot(w, 0, x, 0, halves.length));
    }

    /** Four rows in one pass equal four reference dots, for every length around the vector widths. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void fourRowDotsMatchTheReference(GgmlType type) {
        SplittableRandom r = new SplittableRandom(40 + type.ordinal());
        TypeKernels k = TypeKernels.of(type);
        for (int n : new int[] {1, 3, 4, 7, 8, 9, 16, 17, 31, 64, 65, 100, 1024, 1031}) {
            int rows = 11; // rows 1, 4, 7, 10: a stride of three rows
            MemorySegment w = TestData.randomWeights(r, type, rows, n, 2);
            long rowBytes = type.byteSize(n);
            float[] x = TestData.gaussian(r, n + 1, 1.0);
            float[] out = new float[12];
            k.dot4(w, rowBytes, 3 * rowBytes, x, 1, n, out, 1, 3);
            for (int i = 0; i < 4; i++) {
                long off = (1 + 3L * i) * rowBytes;
                float ref = k.dotReference(w, off, x, 1, n);
                double scale = 0;
                float[] wr = new float[n];
                k.dequantizeReference(w, off, wr, 0, n);
                for (int j = 0; j < n; j++) {
                    scale += Math.abs(wr[j] * x[1 + j]);
                }
                assertEquals(ref, out[1 + 3 * i], 1e-6 * scale + 1e-30, type + " n=" + n + " row " + i);
            }
            for (int j : new int[] {0, 2, 3, 5, 6, 8, 9, 11}) {
                assertEquals(0f, out[j], "untouched output " + j);
            }
        }
    }

    /**
     * The four-row F16 kernel converts halves with three vector operations that are exact for
     * finite halves only; every finite half must come out as {@link Float#float16ToFloat} gives it.
     */
    @Test
    void fourRowF16ConversionIsExactForEveryFiniteHalf() {
        assumeTrue(Simd.ENABLED, "vector kernels disabled");
        int lanes = V.L;
        short[] finite = new short[65536 - 2048];
        int c = 0;
        for (int h = 0; h < 65536; h++) {
            if ((h & 0x7C00) != 0x7C00) {
                finite[c++] = (short) h;
            }
        }
        assertEquals(finite.length, c);
        MemorySegment w = Arena.ofAuto().allocate(2L * finite.length);
        for (int i = 0; i < finite.length; i++) {
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, finite[i]);
        }
        // rows of one vector; x picks lane j, so each output is exactly one converted half
        float[] x = new float[lanes];
        float[] out = new float[4];
        long rowBytes = 2L * lanes;
        for (int j = 0; j < lanes; j++) {
            java.util.Arrays.fill(x, 0f);
            x[j] = 1f;
            for (int g = 0; g < finite.length / (4 * lanes); g++) {
                assertTrue(FloatTypeVectors.dotF16x4(w, 4 * g * rowBytes, rowBytes, x, 0, lanes, out, 0, 1), "finite rows refused");
                for (int i = 0; i < 4; i++) {
                    short h = finite[(4 * g + i) * lanes + j];
                    float want = Float.float16ToFloat(h);
                    if (want == 0f) {
                        assertEquals(0f, Math.abs(out[i]), "half 0x" + Integer.toHexString(h & 0xFFFF));
                    } else {
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[i]), "half 0x" + Integer.toHexString(h & 0xFFFF));
                    }
                }
            }
        }
    }

    /** A row with an infinity or NaN (in the vector part or the tail) still gives the exact rows. */
    @Test
    void fourRowF16DotsKeepInfinitiesAndNaNs() {
        TypeKernels k = TypeKernels.of(GgmlType.F16);
        SplittableRandom r = new SplittableRandom(77);
        for (int n : new int[] {16, 19}) {
            for (short special : new short[] {0x7C00, (short) 0xFC00, 0x7E00, (short) 0xFD01}) {
                for (int pos : new int[] {0, 5, n - 1}) {
                    MemorySegment w = TestData.randomWeights(r, GgmlType.F16, 4, n, 0);
                    w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (2 * n + pos), special); // row 2
                    float[] x = TestData.gaussian(r, n, 1.0);
                    float[] out = new float[4];
                    k.dot4(w, 0, 2L * n, x, 0, n, out, 0, 1);
                    for (int i = 0; i < 4; i++) {
                        float ref = k.dotReference(w, 2L * n * i, x, 0, n);
                        String what = "n=" + n + " half 0x" + Integer.toHexString(special & 0xFFFF) + " at " + pos + " row " + i;
                        if (i == 2) {
                            assertTrue(Float.isNaN(ref) || Float.isInfinite(ref), what);
                            assertEquals(Float.floatToIntBits(ref), Float.floatToIntBits(out[i]), what);
                        } else {
                            assertTrue(Float.isFinite(out[i]), what);
                            assertEquals(ref, out[i], 1e-4f * (1f + Math.abs(ref)), what);
                        }
                    }
                }
            }
        }
    }

    /**
     * A row's bits do not depend on whether it is computed alone or in a group of four (the
     * grouping of a matrix-vector product's rows depends on the thread count): the one-row F16
     * and BF16 kernels do per row what the four-row kernels do, tails included.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16"})
    void fourRowDotEqualsFourSingleRowDots(GgmlType type) {
        TypeKernels k = TypeKernels.of(type);
        SplittableRandom r = new SplittableRandom(5);
        for (int n : new int[] {8, 37, 256, 1029}) {
            MemorySegment w = TestData.randomWeights(r, type, 12, n, 0);
            float[] x = TestData.gaussian(r, n + 3, 1.0);
            float[] out = new float[12];
            long rb = 2L * n;
            k.dot4(w, 2 * rb, 3 * rb, x, 3, n, out, 1, 3); // rows 2, 5, 8, 11 -> out[1, 4, 7, 10]
            for (int i = 0; i < 4; i++) {
                float one = k.dot(w, (2 + 3L * i) * rb, x, 3, n);
                assertEquals(Float.floatToRawIntBits(one), Float.floatToRawIntBits(out[1 + 3 * i]), type + " n=" + n + " row " + i);
            }
        }
    }

    @Test
    void bf16ConversionIsTheUpperHalf() {
        MemorySegment w = Arena.ofAuto().allocate(2L * 16);
        float[] vals = {1f, -2f, 3.140625f, Float.MIN_NORMAL, -0f, 1e30f, -1e-30f, 0.5f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, Float.NEGATIVE_INFINITY};
        for (int i = 0; i < 16; i++) {
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, (short) (Float.floatToRawIntBits(vals[i]) >>> 16));
        }
        float[] d = new float[16];
        TypeKernels.of(GgmlType.BF16).dequantize(w, 0, d, 0, 16);
        for (int i = 0; i < 16; i++) {
            assertEquals(Float.floatToRawIntBits(vals[i]) & 0xFFFF0000, Float.floatToRawIntBits(d[i]), "value " + vals[i]);
        }
    }
}
