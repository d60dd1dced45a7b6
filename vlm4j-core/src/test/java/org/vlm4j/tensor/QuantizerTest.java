package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;

/** Quantizers against llama-quantize's output and hand-computed GGML rules. */
class QuantizerTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(QuantizerTest.class.getResource("/fixtures/tiny/gguf/" + name).toURI());
    }

    /** Every Q8_0 tensor of tiny-q8_0.gguf (made by llama-quantize) from the F32 original. */
    @Test
    void q8_0MatchesLlamaQuantizeByteForByte() throws Exception {
        try (GgufFile f32 = GgufFile.open(fixture("tiny-f32.gguf")); GgufFile q8 = GgufFile.open(fixture("tiny-q8_0.gguf"))) {
            int compared = 0;
            for (GgufTensorInfo t : q8.tensors()) {
                if (t.type() != GgmlType.Q8_0) {
                    continue;
                }
                GgufTensorInfo src = f32.tensor(t.name());
                assertEquals(GgmlType.F32, src.type(), t.name());
                assertEquals(src.elementCount(), t.elementCount(), t.name());
                float[] values = f32.tensorData(src).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                MemorySegment mine = Arena.ofAuto().allocate(t.byteSize());
                Quantizer.quantizeQ8_0(values, 0, values.length, mine, 0);
                long mismatch = mine.mismatch(q8.tensorData(t));
                assertEquals(-1L, mismatch, t.name() + ": first differing byte");
                compared++;
            }
            assertTrue(compared >= 14, "compared " + compared + " tensors"); // 7 per layer x 2 + embeddings + output
        }
    }

    @Test
    void q8_0RoundsHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;   // amax 127 -> d = 1, id = 1
        x[1] = 2.5f;   // -> 3 (C roundf), not 2
        x[2] = -2.5f;  // -> -3
        x[3] = 0.49999997f; // -> 0 (a naive floor(x + 0.5f) in float gives 1)
        x[4] = -126.5f; // -> -127
        MemorySegment out = Arena.ofAuto().allocate(34);
        Quantizer.quantizeQ8_0(x, 0, 32, out, 0);
        assertEquals(Float.floatToFloat16(1f), out.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        assertEquals(127, out.get(ValueLayout.JAVA_BYTE, 2));
        assertEquals(3, out.get(ValueLayout.JAVA_BYTE, 3));
        assertEquals(-3, out.get(ValueLayout.JAVA_BYTE, 4));
        assertEquals(0, out.get(ValueLayout.JAVA_BYTE, 5));
        assertEquals(-127, out.get(ValueLayout.JAVA_BYTE, 6));
        // all zeros: d = 0, q = 0
        Quantizer.quantizeQ8_0(new float[32], 0, 32, out, 0);
        for (int i = 0; i < 34; i++) {
            assertEquals(0, out.get(ValueLayout.JAVA_BYTE, i));
        }
    }

    @Test
    void q4_0UsesTheSignedMaximumAndClampsTo15() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j % 16) - 8; // -8 .. 7, twice
        }
        x[31] = 8f; // |8| == |-8|: the first one (-8) stays the max, so d = 1 and 8 -> 16.5 -> 15
        MemorySegment out = Arena.ofAuto().allocate(18);
        Quantizer.quantizeQ4_0(x, 0, 32, out, 0);
        assertEquals(Float.floatToFloat16(1f), out.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        for (int j = 0; j < 16; j++) {
            int b = out.get(ValueLayout.JAVA_BYTE, 2 + j) & 0xFF;
            int hiWant = j == 15 ? 15 : j; // x[16 + j] = j - 8 -> nibble j
            assertEquals(j, b & 0x0F, "low nibble " + j);
            assertEquals(hiWant, b >>> 4, "high nibble " + j);
        }
        // a positive maximum gives a negative scale: max = 4 -> d = -0.5, x = 4 -> 0, x = -4 -> 16 -> 15
        float[] y = new float[32];
        y[0] = 4f;
        y[1] = -4f;
        y[2] = 1f; // 1 * -2 + 8.5 = 6.5 -> 6
        Quantizer.quantizeQ4_0(y, 0, 32, out, 0);
        assertEquals(Float.floatToFloat16(-0.5f), out.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        assertEquals(0, out.get(ValueLayout.JAVA_BYTE, 2) & 0x0F);
        assertEquals(15, out.get(ValueLayout.JAVA_BYTE, 3) & 0x0F);
        assertEquals(6, out.get(ValueLayout.JAVA_BYTE, 4) & 0x0F);
        assertEquals(8, out.get(ValueLayout.JAVA_BYTE, 5) & 0x0F); // zero -> 8
    }

    @Test
    void quantizedRoundTripErrorIsBounded() {
        SplittableRandom r = new SplittableRandom(4);
        float[] x = TestData.gaussian(r, 32 * 64, 1.0);
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F16, GgmlType.BF16}) {
            WeightMatrix w = Quantizer.toMatrix("w", type, x, 64, 32);
            float[] back = w.toFloatArray();
            for (int b = 0; b < 64; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(x[b * 32 + j]));
                }
                double tol = switch (type) {
                    case Q8_0 -> amax / 127 * 0.5 * 1.01 + amax * 0x1p-11;
                    case Q4_0 -> amax / 8 * 1.01 + amax * 0x1p-10; // the positive side is clamped at 7
                    case F16 -> amax * 0x1p-11;
                    default -> amax * 0x1p-8;
                };
                for (int j = 0; j < 32; j++) {
                    assertEquals(x[b * 32 + j], back[b * 32 + j], tol, type + " block " + b);
                }
            }
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndQuietsNaN() {
        assertEquals((short) 0x3F80, Quantizer.toBF16(1f));
        // 1 + 2^-8 is exactly half-way between 1 and 1 + 2^-7: ties to even -> 1.0
        assertEquals((short) 0x3F80, Quantizer.toBF16(1f + 0x1p-8f));
        // 1 + 3 * 2^-8 is half-way between 1 + 2^-7 (odd) and 1 + 2^-6: -> 1 + 2^-6
        assertEquals((short) 0x3F82, Quantizer.toBF16(1f + 3 * 0x1p-8f));
        assertEquals((short) 0x3F81, Quantizer.toBF16(1f + 0x1p-8f + 0x1p-20f)); // just above half -> up
        assertEquals((short) 0x7F80, Quantizer.toBF16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0x7F80, Quantizer.toBF16(Float.MAX_VALUE)); // rounds up to infinity
        assertEquals((short) 0x8000, Quantizer.toBF16(-0f));
        // a signalling NaN with payload only in the low bits becomes a quiet NaN, not infinity
        short nan = Quantizer.toBF16(Float.intBitsToFloat(0x7F800001));
        assertEquals((short) 0x7FC0, nan);
        assertEquals((short) 0xFFC1, Quantizer.toBF16(Float.intBitsToFloat(0xFF810000)));
        assertEquals((short) 0x3C00, Quantizer.toF16(1f));
        assertEquals((short) 0x3C00, Quantizer.toF16(1f + 0x1p-11f)); // tie -> even
    }

    @Test
    void rejectsBadArguments() {
        MemorySegment out = Arena.ofAuto().allocate(34);
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantizeQ8_0(new float[40], 0, 40, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Quantizer.quantizeQ8_0(new float[64], 0, 64, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Quantizer.quantizeQ4_0(new float[32], 8, 32, out, 0));
        assertThrows(UnsupportedOperationException.class, () -> Quantizer.quantize(GgmlType.Q6_K, new float[256], 0, 256, out, 0));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantizeQ8_0(new float[32], 0, 32, out.asReadOnly(), 0));
    }
}
