package org.vlm4j.tensor;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Vector functions that the kernels of several packages share (only loaded when
 * {@link Simd#ENABLED}). Public for the vision encoder's kernels; any species.
 *
 * <p>{@link #exp} is built from operations that are exact in IEEE arithmetic (min, max, fma, add,
 * integer shifts), so it gives the same bits in the Vector API's Java fallback (before C2 compiles
 * the caller) as compiled. The Vector API's own {@code EXP} does not (SVML when compiled,
 * {@code (float) Math.exp} lane by lane before), and with it greedy decoding of one prompt gave
 * different tokens from run to run.
 */
public final class VectorMath {
    private VectorMath() {}

    /** Below, e^x in float is 0 (under half the least subnormal); the clamp gives exactly that. */
    public static final float EXP_LOW = -104f;
    /** Above, e^x in float is infinite; the clamp gives exactly that. */
    public static final float EXP_HIGH = 89f;
    public static final float LOG2E = 1.44269504089f;
    /** 1.5 * 2^23: adding it rounds a float below 2^22 in magnitude to an integer n (the sum's ulp is 1). */
    public static final float ROUND = 0x1.8p23f;
    /** {@code Float.floatToIntBits(ROUND)}: the bits of {@code ROUND + n} minus these are n. */
    public static final int ROUND_BITS = 0x4B400000;
    /** ln 2 in two parts (Cody and Waite): nine significant bits, so that n * LN2_HI is exact, and the rest. */
    public static final float LN2_HI = 0.693359375f;
    public static final float LN2_LO = -2.12194440e-4f;
    /** The Taylor coefficients 1/k! of e^r for k = 2..7 (those of r^0 and r^1 are 1). */
    public static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    /**
     * e^x per lane, within 2 ulps of {@code (float) Math.exp} over the whole float range (a sweep of
     * 2.2 million values finds at most 1; OpsTest), with subnormal results, 0 below, infinity above,
     * NaN for NaN, and e^0 = 1 exactly:
     * <ul>
     *   <li>x is clamped to [{@link #EXP_LOW}, {@link #EXP_HIGH}] (min and max keep NaN);</li>
     *   <li>n = round(x log2 e), r = x - n ln 2, |r| <= ln2 / 2 and a little;</li>
     *   <li>e^r by its Taylor series to r^7 in Horner form (truncation below 5.2e-9 relative, a
     *       twentieth of an ulp);</li>
     *   <li>times 2^n as two powers of two, 2^(n >> 1) and 2^(n - (n >> 1)), each a normal float for
     *       n from -150 to 128, so that only the last multiply rounds and gives subnormals and the
     *       overflow to infinity as they should be.</li>
     * </ul>
     * Small enough for C2 to inline into the loops that call it (a call it did not inline would
     * box the vectors; the decode allocation test would see that). Loops that must not depend on
     * that write it out with these constants ({@code VisionAttention}).
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LOW).min(EXP_HIGH);
        FloatVector t = xc.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), xc);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(C7, C6).fma(r, x.broadcast(C5)).fma(r, x.broadcast(C4)).fma(r, x.broadcast(C3))
                .fma(r, x.broadcast(C2)).fma(r, x.broadcast(1f)).fma(r, x.broadcast(1f));
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        IntVector n1 = ni.lanewise(ASHR, 1);
        FloatVector s1 = n1.add(127).lanewise(LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(n1).add(127).lanewise(LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }
}
