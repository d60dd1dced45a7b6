package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The GGML-style 8-bit activation format. */
class QuantizedActivationsTest {

    @Test
    void scaleIsAmaxOver127RoundedToF16AndQuantsRoundHalfToEven() {
        float[] x = new float[64];
        // block 0: amax 127 -> multiplier exactly 1: ties visible directly
        x[0] = 127f;
        x[1] = 2.5f;   // tie -> 2 (even)
        x[2] = 3.5f;   // tie -> 4
        x[3] = -2.5f;  // tie -> -2
        x[4] = -0.5f;  // tie -> -0 -> 0
        x[5] = 1.4999999f;
        x[6] = -126.5f; // tie -> -126
        // block 1: amax 1.0 -> d = f16(1/127), q = rint(x * 127)
        x[32] = -1f;
        x[33] = 0.3f;
        QuantizedActivations qa = new QuantizedActivations(64).quantize(x, 0, 64);
        assertEquals(1f, qa.scale(0));
        assertEquals(127, qa.quant(0));
        assertEquals(2, qa.quant(1));
        assertEquals(4, qa.quant(2));
        assertEquals(-2, qa.quant(3));
        assertEquals(0, qa.quant(4));
        assertEquals(1, qa.quant(5));
        assertEquals(-126, qa.quant(6));
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1f / 127f)), qa.scale(1));
        assertEquals(-127, qa.quant(32));
        assertEquals(Math.round(0.3f * 127f), qa.quant(33));
        assertEquals(64, qa.length());
    }

    @Test
    void zeroBlockHasZeroScaleAndQuants() {
        QuantizedActivations qa = new QuantizedActivations(32).quantize(new float[32], 0, 32);
        assertEquals(0f, qa.scale(0));
        for (int i = 0; i < 32; i++) {
            assertEquals(0, qa.quant(i));
        }
    }

    @Test
    void quantsStayWithinPlusMinus127AndReconstructCloselyAndGrow() {
        SplittableRandom r = new SplittableRandom(5);
        QuantizedActivations qa = new QuantizedActivations(0);
        for (int n : new int[] {32, 1024, 4096}) {
            float[] x = TestData.gaussian(r, n + 8, 3.0);
            qa.quantize(x, 8, n);
            assertEquals(n, qa.length());
            for (int i = 0; i < n; i++) {
                assertTrue(qa.quant(i) >= -127 && qa.quant(i) <= 127);
                float d = qa.scale(i / 32);
                // half a step, plus the f16 rounding of d (relative 2^-11) times 127 steps
                assertEquals(x[8 + i], qa.value(i), d * 0.5f + 127 * d * 0x1p-11f + 1e-6f, "i=" + i);
            }
        }
    }

    /** The Q4_0 kernels' per-block terms follow every quantize, also after the storage grew. */
    @Test
    void nibbleTermsAreDerivedFromEachBlocksQuants() {
        SplittableRandom r = new SplittableRandom(9);
        QuantizedActivations qa = new QuantizedActivations(32);
        for (int n : new int[] {32, 96, 2048}) {
            float[] x = TestData.gaussian(r, n, 2.0);
            x[0] = -50f; // a -127 in block 0, paired with the value 16 places on
            x[16] = -50f;
            qa.quantize(x, 0, n);
            short[] t = qa.nibbleTerms();
            for (int b = 0; b < n / 32; b++) {
                for (int j = 0; j < 16; j++) {
                    int xl = qa.quant(32 * b + j);
                    int xh = qa.quant(32 * b + 16 + j);
                    assertEquals(16 * xl - xh, t[32 * b + j], "a, block " + b + " j " + j);
                    assertEquals(128 * (xl + xh), t[32 * b + 16 + j], "c, block " + b + " j " + j);
                }
            }
        }
        assertEquals(-127 * 256, qa.nibbleTerms()[16], "c at its bound, -32512, is kept exactly");
    }

    @Test
    void rejectsBadLengthsAndIndices() {
        QuantizedActivations qa = new QuantizedActivations(64);
        assertThrows(IllegalArgumentException.class, () -> qa.quantize(new float[64], 0, 40));
        assertThrows(IndexOutOfBoundsException.class, () -> qa.quantize(new float[64], 40, 32));
        qa.quantize(new float[64], 0, 32);
        assertThrows(IndexOutOfBoundsException.class, () -> qa.quant(32));
        assertThrows(IllegalArgumentException.class, () -> new QuantizedActivations(-1));
    }
}
