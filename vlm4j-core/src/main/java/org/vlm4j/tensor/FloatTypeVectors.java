package org.vlm4j.tensor;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.S2I;
import static org.vlm4j.tensor.V.F;
import static org.vlm4j.tensor.V.F_M2;
import static org.vlm4j.tensor.V.F_M4;
import static org.vlm4j.tensor.V.F_X16;
import static org.vlm4j.tensor.V.F_X2;
import static org.vlm4j.tensor.V.F_X4;
import static org.vlm4j.tensor.V.F_X8;
import static org.vlm4j.tensor.V.I;
import static org.vlm4j.tensor.V.L;
import static org.vlm4j.tensor.V.LE;
import static org.vlm4j.tensor.V.SH_L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector API fast paths for the plain float weight types F32, F16 and BF16 (dot products with f32
 * activations and bulk dequantization). Only loaded when {@link Simd#ENABLED}.
 *
 * <p>F16 has no vector lane type in JDK 25, so halves are widened to ints and rebuilt as f32 bits:
 * the magnitude bits shifted left by 13 are an f32 with exponent bias 15 instead of 127, and
 * multiplying by 2^112 rebiases it exactly - for normals and, because Java never flushes
 * denormals, for subnormal halves too. Exponent 31 (inf/NaN) would come out finite (2^16 x 1.m),
 * whose bit pattern OR 0x7F800000 is exactly inf/NaN with the payload kept. The result equals
 * {@link Float#float16ToFloat} bit for bit for all 65536 inputs (NaNs: same sign and payload;
 * the JDK's own intrinsic sets the quiet bit, its Java code does not), at about ten vector
 * operations per L values. Bulk dequantization instead uses the hardware conversion that C2
 * auto-vectorizes (see {@link #dequantizeF16}).
 *
 * <p>The dot products sum their accumulators' lanes in the fixed order of {@link V}, not with
 * {@code reduceLanes(ADD)}, so that they give the same bits interpreted and compiled (see
 * {@code VectorOps}).
 */
final class FloatTypeVectors {
    private FloatTypeVectors() {}

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ---- F32

    static float dotF32(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            long o = off + 4L * i;
            a0 = FloatVector.fromMemorySegment(F, w, o, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = FloatVector.fromMemorySegment(F, w, o + 4L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
            a2 = FloatVector.fromMemorySegment(F, w, o + 8L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + 2 * L), a2);
            a3 = FloatVector.fromMemorySegment(F, w, o + 12L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + 3 * L), a3);
        }
        for (; i <= n - L; i += L) {
            a0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        FloatVector sum = a0.add(a1).add(a2.add(a3));
        sum = sum.add(sum.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        sum = sum.add(sum.rearrange(F_X4));
        sum = L >= 8 ? sum.add(sum.rearrange(F_X8)) : sum;
        sum = L == 16 ? sum.add(sum.rearrange(F_X16)) : sum;
        float s = sum.lane(0);
        for (; i < n; i++) {
            s += w.get(F32, off + 4L * i) * x[xo + i];
        }
        return s;
    }

    static void dequantizeF32(MemorySegment w, long off, float[] dst, int dstOff, int n) {
        MemorySegment.copy(w, F32, off, dst, dstOff, n);
    }

    // ---- F16

    /**
     * F16 to F32 with the vector bit trick of the class comment (the conversion {@link #dotF16}
     * uses inline), for the exhaustive exactness test and benchmarks.
     */
    static void dequantizeF16BitTrick(MemorySegment w, long off, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off + 2L * i, LE).convertShape(S2I, I, 0);
            IntVector em = h.and(0x7FFF);
            IntVector bits = em.lanewise(LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            // em >= 0x7C00 (inf/NaN) <=> bit 15 of em + 0x400; spread it to 0x7F800000 without a mask
            IntVector special = em.add(0x400).lanewise(LSHL, 16).lanewise(ASHR, 31).and(0x7F800000);
            bits.or(special).or(h.and(0x80000000)).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(w.get(S16, off + 2L * i));
        }
    }

    /**
     * F16 dot with the bit-trick conversion of {@link #dequantizeF16BitTrick}, inline: per row the
     * same arithmetic as {@link #dotF16x4} (whose shorter conversion gives the same values for the
     * finite halves it accepts), so a row's bits do not depend on whether it is computed alone or
     * in a group of four (which depends on the thread count). A version that converted
     * through a buffer with the hardware instruction measured ~20% faster for one row, but the
     * matrix-vector products only use this for a chunk's last few rows.
     */
    static float dotF16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            // the conversion of dequantizeF16BitTrick, inline: C2 does not reliably inline helpers
            // that return vectors, and a boxed vector costs 2-3x
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off + 2L * i, LE).convertShape(S2I, I, 0);
            IntVector em = h.and(0x7FFF);
            IntVector bits = em.lanewise(LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            IntVector special = em.add(0x400).lanewise(LSHL, 16).lanewise(ASHR, 31).and(0x7F800000);
            FloatVector v = bits.or(special).or(h.and(0x80000000)).reinterpretAsFloats();
            a0 = v.fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        a0 = a0.add(a0.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        a0 = a0.add(a0.rearrange(F_X4));
        a0 = L >= 8 ? a0.add(a0.rearrange(F_X8)) : a0;
        a0 = L == 16 ? a0.add(a0.rearrange(F_X16)) : a0;
        float s = a0.lane(0);
        for (; i < n; i++) {
            s += Float.float16ToFloat(w.get(S16, off + 2L * i)) * x[xo + i];
        }
        return s;
    }

    /**
     * F16 dot of four rows {@code stride} bytes apart into {@code out[o + i * os]}, in one pass (four
     * memory streams; one row at a time the F16 decode read ~11 GB/s per core, four rows at once
     * ~15). Returns false, with {@code out} untouched, when a row holds an inf or NaN half: the
     * caller then computes the rows exactly one by one.
     *
     * <p>The conversion takes three operations on a half sign-extended to an int lane: shifted
     * left by 13, the sign lands in bit 31, copies of it in bits 30..28, the exponent in bits 27..23
     * and the mantissa in 22..13. Clearing bits 30..28 leaves an f32 with exponent field e (0..30
     * for finite halves) instead of e + 112, so multiplying by 2^112 gives the half's value exactly,
     * for subnormal halves (an f32 subnormal scaled into the normal range) as well. Exponent 31
     * would come out finite, so the loop also keeps the largest magnitude {@code h & 0x7FFF} seen
     * and the result is refused if it reached 0x7C00.
     */
    static boolean dotF16x4(MemorySegment w, long off, long stride, float[] x, int xo, int n, float[] out, int o, int os) {
        long off1 = off + stride;
        long off2 = off1 + stride;
        long off3 = off2 + stride;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        IntVector mag = IntVector.zero(I);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            long b = 2L * i;
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off + b, LE).convertShape(S2I, I, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off1 + b, LE).convertShape(S2I, I, 0);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off2 + b, LE).convertShape(S2I, I, 0);
            IntVector h3 = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off3 + b, LE).convertShape(S2I, I, 0);
            mag = mag.max(h0.and(0x7FFF).max(h1.and(0x7FFF))).max(h2.and(0x7FFF).max(h3.and(0x7FFF)));
            a0 = h0.lanewise(LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f).fma(xv, a0);
            a1 = h1.lanewise(LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f).fma(xv, a1);
            a2 = h2.lanewise(LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f).fma(xv, a2);
            a3 = h3.lanewise(LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f).fma(xv, a3);
        }
        if (mag.reduceLanes(VectorOperators.MAX) >= 0x7C00) {
            return false;
        }
        // the four rows' lanes summed in a fixed order, row r's sum to lane 0, L / 2, L / 4, 3 L / 4: see V
        FloatVector c01 = a0.blend(a1, F_M2).add(a1.blend(a0, F_M2).rearrange(F_X2));
        FloatVector c23 = a2.blend(a3, F_M2).add(a3.blend(a2, F_M2).rearrange(F_X2));
        FloatVector e = c01.blend(c23, F_M4).add(c23.blend(c01, F_M4).rearrange(F_X4));
        e = L >= 8 ? e.add(e.rearrange(F_X8)) : e;
        e = L == 16 ? e.add(e.rearrange(F_X16)) : e;
        float s0 = e.lane(0);
        float s1 = e.lane(L / 2);
        float s2 = e.lane(L / 4);
        float s3 = e.lane(3 * L / 4);
        for (; i < n; i++) { // the exact scalar conversion: infinities and NaNs come out right here
            long b = 2L * i;
            float xi = x[xo + i];
            s0 += Float.float16ToFloat(w.get(S16, off + b)) * xi;
            s1 += Float.float16ToFloat(w.get(S16, off1 + b)) * xi;
            s2 += Float.float16ToFloat(w.get(S16, off2 + b)) * xi;
            s3 += Float.float16ToFloat(w.get(S16, off3 + b)) * xi;
        }
        out[o] = s0;
        out[o + os] = s1;
        out[o + 2 * os] = s2;
        out[o + 3 * os] = s3;
        return true;
    }

    /**
     * Bulk F16 to F32. A plain loop over {@link Float#float16ToFloat}: C2 vectorizes it into the
     * hardware conversion (x86 F16C {@code vcvtph2ps}, AArch64 {@code fcvtl}), which measured
     * 2.8x faster than the bit trick of {@link #dequantizeF16BitTrick}. (Hardware conversion quiets signalling NaNs,
     * exactly as the {@code float16ToFloat} intrinsic does.)
     */
    static void dequantizeF16(MemorySegment w, long off, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(w.get(S16, off + 2L * i));
        }
    }

    // ---- BF16

    /** BF16 dot; per row the same operations as {@link #dotBF16x4} (see {@link #dotF16}). */
    static float dotBF16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off + 2L * i, LE).convertShape(S2I, I, 0);
            a0 = h.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        a0 = a0.add(a0.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        a0 = a0.add(a0.rearrange(F_X4));
        a0 = L >= 8 ? a0.add(a0.rearrange(F_X8)) : a0;
        a0 = L == 16 ? a0.add(a0.rearrange(F_X16)) : a0;
        float s = a0.lane(0);
        for (; i < n; i++) {
            s += Float.intBitsToFloat(w.get(S16, off + 2L * i) << 16) * x[xo + i];
        }
        return s;
    }

    /** BF16 dot of four rows {@code stride} bytes apart in one pass, as {@link #dotF16x4}. */
    static void dotBF16x4(MemorySegment w, long off, long stride, float[] x, int xo, int n, float[] out, int o, int os) {
        long off1 = off + stride;
        long off2 = off1 + stride;
        long off3 = off2 + stride;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            long b = 2L * i;
            a0 = ((IntVector) ShortVector.fromMemorySegment(SH_L, w, off + b, LE).convertShape(S2I, I, 0)).lanewise(LSHL, 16)
                    .reinterpretAsFloats().fma(xv, a0);
            a1 = ((IntVector) ShortVector.fromMemorySegment(SH_L, w, off1 + b, LE).convertShape(S2I, I, 0)).lanewise(LSHL, 16)
                    .reinterpretAsFloats().fma(xv, a1);
            a2 = ((IntVector) ShortVector.fromMemorySegment(SH_L, w, off2 + b, LE).convertShape(S2I, I, 0)).lanewise(LSHL, 16)
                    .reinterpretAsFloats().fma(xv, a2);
            a3 = ((IntVector) ShortVector.fromMemorySegment(SH_L, w, off3 + b, LE).convertShape(S2I, I, 0)).lanewise(LSHL, 16)
                    .reinterpretAsFloats().fma(xv, a3);
        }
        // the four rows' lanes summed in a fixed order, row r's sum to lane 0, L / 2, L / 4, 3 L / 4: see V
        FloatVector c01 = a0.blend(a1, F_M2).add(a1.blend(a0, F_M2).rearrange(F_X2));
        FloatVector c23 = a2.blend(a3, F_M2).add(a3.blend(a2, F_M2).rearrange(F_X2));
        FloatVector e = c01.blend(c23, F_M4).add(c23.blend(c01, F_M4).rearrange(F_X4));
        e = L >= 8 ? e.add(e.rearrange(F_X8)) : e;
        e = L == 16 ? e.add(e.rearrange(F_X16)) : e;
        float s0 = e.lane(0);
        float s1 = e.lane(L / 2);
        float s2 = e.lane(L / 4);
        float s3 = e.lane(3 * L / 4);
        for (; i < n; i++) {
            long b = 2L * i;
            float xi = x[xo + i];
            s0 += Float.intBitsToFloat(w.get(S16, off + b) << 16) * xi;
            s1 += Float.intBitsToFloat(w.get(S16, off1 + b) << 16) * xi;
            s2 += Float.intBitsToFloat(w.get(S16, off2 + b) << 16) * xi;
            s3 += Float.intBitsToFloat(w.get(S16, off3 + b) << 16) * xi;
        }
        out[o] = s0;
        out[o + os] = s1;
        out[o + 2 * os] = s2;
        out[o + 3 * os] = s3;
    }

    static void dequantizeBF16(MemorySegment w, long off, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SH_L, w, off + 2L * i, LE).convertShape(S2I, I, 0);
            h.lanewise(LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(w.get(S16, off + 2L * i) << 16);
        }
    }
}
