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
    void bothF16DotVariantsMatchTheReference() {
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
            assertEquals(ref, FloatTypeVectors.dotF16Bits(w, 0, x, 1, n), 1e-6 * scale, "bits n=" + n);
            assertEquals(ref, FloatTypeVectors.dotF16Buffered(w, 0, x, 1, n), 1e-6 * scale, "buffered n=" + n);
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
