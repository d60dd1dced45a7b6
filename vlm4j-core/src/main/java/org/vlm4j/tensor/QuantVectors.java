package org.vlm4j.tensor;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;
import static org.vlm4j.tensor.V.BFL;
import static org.vlm4j.tensor.V.B_F;
import static org.vlm4j.tensor.V.B_F_PARTS;
import static org.vlm4j.tensor.V.F;
import static org.vlm4j.tensor.V.F_X16;
import static org.vlm4j.tensor.V.F_X2;
import static org.vlm4j.tensor.V.F_X4;
import static org.vlm4j.tensor.V.F_X8;
import static org.vlm4j.tensor.V.I;
import static org.vlm4j.tensor.V.L;
import static org.vlm4j.tensor.V.LE;
import static org.vlm4j.tensor.V.QB;
import static org.vlm4j.tensor.V.QF;
import static org.vlm4j.tensor.V.QI;
import static org.vlm4j.tensor.V.QL;
import static org.vlm4j.tensor.V.QS;
import static org.vlm4j.tensor.V.QSL;
import static org.vlm4j.tensor.V.Q_M2;
import static org.vlm4j.tensor.V.Q_M4;
import static org.vlm4j.tensor.V.Q_X2;
import static org.vlm4j.tensor.V.Q_X4;
import static org.vlm4j.tensor.V.Q_X8;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API fast paths for the block-quantized weight types Q8_0 and Q4_0. Only loaded when
 * {@link Simd#ENABLED}.
 *
 * <p>Two formulations of the row dot product:
 * <ul>
 *   <li><b>float</b>: widen the quants of each 32-block to floats, FMA them with the f32
 *       activations, and apply the block scale once per block;</li>
 *   <li><b>int8</b>: with {@link QuantizedActivations}, widen weights and activations to 16-bit
 *       lanes, multiply, add two products per lane (at most 2 x 128 x 127 = 32512, no overflow),
 *       add adjacent lane pairs into ints, convert to float and apply {@code d_w * d_a} with one FMA per
 *       block. The Vector API has no pmaddubsw/pmaddwd/dot-product operator, so this is the
 *       cheapest portable integer form (see java-engine-notes §3.3).</li>
 * </ul>
 * Both are width-generic: the loops below depend only on static final lane counts and unroll.
 *
 * <p>Each kernel sums its accumulator's lanes in the fixed order of {@link V} at the end, not with
 * {@code reduceLanes(ADD)}, so that it gives the same bits interpreted and compiled (see
 * {@code VectorOps}).
 */
final class QuantVectors {
    private QuantVectors() {}

    private static final int BLOCK = 32;
    /**
     * The first four shorts of a block; its f16 scale is lane 0. Block scales are read with this
     * vector load, not {@code MemorySegment.get}: a scalar segment read costs a bounds check of ~20
     * instructions per block and row here (vector loads are unchecked when the launcher sets
     * {@code VECTOR_ACCESS_OOB_CHECK=0}), and the four-row int8 kernel measured ~12% faster in L2
     * with the vector load (13.4 -> 15.0 GB/s per core). Written out at each use, not as a helper:
     * a helper called from these big methods is not inlined (5.4 GB/s).
     */
    private static final VectorSpecies<Short> SCALE = ShortVector.SPECIES_64;

    // Every kernel is one flat method on purpose: a helper that returns a vector is only free if
    // C2 inlines it, and these methods are big enough that it often does not ("callee is too
    // large", NodeCountInliningCutoff), which boxes every vector and costs 2-3x.
    //
    // The block sums start from the first step's value ("j == 0 ? t : s.add(t)"), not from zero:
    // C2 folds the test once the constant-trip step loop is unrolled, but it kept "zero + t" as a
    // vpxor and a vpaddd per row and block, and with them the four-row kernels spilled three of
    // their four accumulators to the stack in every block (AVX2, seen in the generated code).

    // ---- Q8_0, float path

    static float dotQ8Float(MemorySegment w, long off, float[] x, int xo, int n) {
        int nb = n / BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 34L * b;
            int xb = xo + BLOCK * b;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += 2 * BFL) {
                ByteVector q0 = ByteVector.fromMemorySegment(B_F, w, o + 2 + j, LE);
                ByteVector q1 = ByteVector.fromMemorySegment(B_F, w, o + 2 + j + BFL, LE);
                for (int p = 0; p < B_F_PARTS; p++) {
                    s0 = ((FloatVector) q0.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, xb + j + p * L), s0);
                    s1 = ((FloatVector) q1.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, xb + j + BFL + p * L), s1);
                }
            }
            acc = s0.add(s1).fma(FloatVector.broadcast(F, Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, o, LE).lane(0))), acc);
        }
        acc = acc.add(acc.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        acc = acc.add(acc.rearrange(F_X4));
        acc = L >= 8 ? acc.add(acc.rearrange(F_X8)) : acc;
        acc = L == 16 ? acc.add(acc.rearrange(F_X16)) : acc;
        return acc.lane(0);
    }

    static void dequantizeQ8(MemorySegment w, long off, float[] dst, int dstOff, int n) {
        int nb = n / BLOCK;
        for (int b = 0; b < nb; b++) {
            long o = off + 34L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, o, LE).lane(0)));
            int db = dstOff + BLOCK * b;
            for (int j = 0; j < BLOCK; j += BFL) {
                ByteVector q = ByteVector.fromMemorySegment(B_F, w, o + 2 + j, LE);
                for (int p = 0; p < B_F_PARTS; p++) {
                    ((FloatVector) q.convertShape(B2F, F, p)).mul(d).intoArray(dst, db + j + p * L);
                }
            }
        }
    }

    // ---- Q4_0, float path
    //
    // Q4_0 nibbles: the 16 bytes of a block are widened to ints first and the nibbles taken with
    // and/shift in the wide lanes (sign extension does not touch the low byte's bits). Taking them
    // in byte lanes needs a byte shift, which x86 does not have: the four-row int8 kernel ran at
    // 7.4 G weights/s per core that way, 10.9 with widened lanes (probe, one core, 256 x 1024 in
    // L2), and decode of a Q4_0 model on two cores went from ~20 to ~28 tok/s (BENCHMARKS.md). The
    // int8 kernels below now avoid the high nibble's shift altogether.

    static float dotQ4Float(MemorySegment w, long off, float[] x, int xo, int n) {
        int nb = n / BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            int xb = xo + BLOCK * b;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            for (int j = 0; j < BLOCK / 2; j += BFL) {
                ByteVector q = ByteVector.fromMemorySegment(B_F, w, o + 2 + j, LE);
                for (int p = 0; p < B_F_PARTS; p++) {
                    // nibbles in int lanes (see "Q4_0 nibbles" above)
                    IntVector qi = (IntVector) q.convertShape(B2I, I, p);
                    FloatVector lo = (FloatVector) qi.and(0x0F).sub(8).convert(I2F, 0);
                    FloatVector hi = (FloatVector) qi.lanewise(ASHR, 4).and(0x0F).sub(8).convert(I2F, 0);
                    s0 = lo.fma(FloatVector.fromArray(F, x, xb + j + p * L), s0);
                    s1 = hi.fma(FloatVector.fromArray(F, x, xb + 16 + j + p * L), s1);
                }
            }
            acc = s0.add(s1).fma(FloatVector.broadcast(F, Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, o, LE).lane(0))), acc);
        }
        acc = acc.add(acc.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        acc = acc.add(acc.rearrange(F_X4));
        acc = L >= 8 ? acc.add(acc.rearrange(F_X8)) : acc;
        acc = L == 16 ? acc.add(acc.rearrange(F_X16)) : acc;
        return acc.lane(0);
    }

    static void dequantizeQ4(MemorySegment w, long off, float[] dst, int dstOff, int n) {
        int nb = n / BLOCK;
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, o, LE).lane(0)));
            int db = dstOff + BLOCK * b;
            for (int j = 0; j < BLOCK / 2; j += BFL) {
                ByteVector q = ByteVector.fromMemorySegment(B_F, w, o + 2 + j, LE);
                for (int p = 0; p < B_F_PARTS; p++) {
                    IntVector qi = (IntVector) q.convertShape(B2I, I, p);
                    ((FloatVector) qi.and(0x0F).sub(8).convert(I2F, 0)).mul(d).intoArray(dst, db + j + p * L);
                    ((FloatVector) qi.lanewise(ASHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d).intoArray(dst, db + 16 + j + p * L);
                }
            }
        }
    }

    // ---- int8 paths (weights x QuantizedActivations)
    //
    // Pair sums: after the 16-bit multiply-add, each int lane holds two short sums; the high one
    // is v >> 16 and the low one (v << 16) >> 16, so their sum is what x86 pmaddwd-with-ones
    // gives. This measured about 2x faster than widening with S2I parts 0 and 1 (part 1 is slow
    // on AVX2).

    /**
     * Q8_0 row at {@code off} (n values) times activations {@code qa/da} starting at value
     * {@code ao} (a multiple of 32).
     */
    static float dotQ8Int(MemorySegment w, long off, short[] qa, float[] da, int ao, int n) {
        int nb = n / BLOCK;
        int ab0 = ao / BLOCK;
        FloatVector acc = FloatVector.zero(QF);
        for (int b = 0; b < nb; b++) {
            long o = off + 34L * b;
            int a = ao + BLOCK * b;
            IntVector isum = IntVector.zero(QI);
            for (int j = 0; j < BLOCK; j += 2 * QSL) {
                ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(QB, w, o + 2 + j, LE).convertShape(B2S, QS, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(QB, w, o + 2 + j + QSL, LE).convertShape(B2S, QS, 0);
                IntVector v = w0.mul(ShortVector.fromArray(QS, qa, a + j)).add(w1.mul(ShortVector.fromArray(QS, qa, a + j + QSL))).reinterpretAsInts();
                IntVector t = v.lanewise(ASHR, 16).add(v.lanewise(LSHL, 16).lanewise(ASHR, 16));
                isum = j == 0 ? t : isum.add(t);
            }
            float scale = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, o, LE).lane(0)) * da[ab0 + b];
            acc = ((FloatVector) isum.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, scale), acc);
        }
        acc = acc.add(acc.rearrange(Q_X2)); // the lanes summed in a fixed order: see V
        acc = acc.add(acc.rearrange(Q_X4));
        acc = QL == 8 ? acc.add(acc.rearrange(Q_X8)) : acc;
        return acc.lane(0);
    }

    // Q4_0 with integers: the weight byte is zero-extended and used whole, u = 16 hi + lo, with
    // the activation terms a = 16 xl - xh and c = 128 (xl + xh) that QuantizedActivations keeps per
    // block: lo a + u xh - c = 16 ((lo - 8) xl + (hi - 8) xh). That is one and, two multiplies, an
    // add and a subtract per 16 bytes, against two ands, two subtracts, a shift and the same
    // multiplies and add before: 16-bit vector shifts take their count from a register on AVX2 (C2
    // moves it there every time) and the two constants of the - 8 no longer hold registers. A
    // token-sized set of Q4_0 matrices on two threads went from 37.6-39.6 to 32.5-32.9 ms (probe,
    // BENCHMARKS.md). The result is sixteen times the exact pair sum, at most 16 x 2 x 8 x 127 =
    // 32512, so it fits a short although the products before the subtraction may wrap (16-bit
    // arithmetic is exact modulo 2^16); the block scale takes the 1/16 back, exactly (a power of
    // two), so the sums and the floats equal those of the plain formula.

    /** Q4_0 row times quantized activations, as {@link #dotQ8Int}; {@code t} is {@link QuantizedActivations#nibbleTerms()}. */
    static float dotQ4Int(MemorySegment w, long off, short[] qa, short[] t, float[] da, int ao, int n) {
        int nb = n / BLOCK;
        int ab0 = ao / BLOCK;
        FloatVector acc = FloatVector.zero(QF);
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            int a = ao + BLOCK * b;
            IntVector isum = IntVector.zero(QI);
            for (int j = 0; j < BLOCK / 2; j += QSL) {
                ShortVector u = (ShortVector) ByteVector.fromMemorySegment(QB, w, o + 2 + j, LE).convertShape(ZERO_EXTEND_B2S, QS, 0);
                IntVector v = u.and((short) 0x0F).mul(ShortVector.fromArray(QS, t, a + j)).add(u.mul(ShortVector.fromArray(QS, qa, a + 16 + j)))
                        .sub(ShortVector.fromArray(QS, t, a + 16 + j)).reinterpretAsInts();
                IntVector s = v.lanewise(ASHR, 16).add(v.lanewise(LSHL, 16).lanewise(ASHR, 16));
                isum = j == 0 ? s : isum.add(s);
            }
            float scale = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, o, LE).lane(0)) * (da[ab0 + b] * 0.0625f);
            acc = ((FloatVector) isum.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, scale), acc);
        }
        acc = acc.add(acc.rearrange(Q_X2)); // the lanes summed in a fixed order: see V
        acc = acc.add(acc.rearrange(Q_X4));
        acc = QL == 8 ? acc.add(acc.rearrange(Q_X8)) : acc;
        return acc.lane(0);
    }

    // ---- four rows at once (int8 path)
    //
    // Rows off, off + stride, off + 2 stride, off + 3 stride, each computed with exactly the
    // operations of the one-row kernel, sharing the activation loads, so the results equal the
    // one-row kernel's bit for bit. The point is memory-level parallelism rather than fewer instructions: with
    // the rows a quarter of a chunk apart, four independent streams are in flight, which measured
    // 25-26 GB/s from DRAM on two Zen3 cores against 18 GB/s for one row at a time (and two
    // adjacent rows were slower than one: the prefetchers see one stream read out of order).

    /** {@link #dotQ8Int} of four rows {@code stride} bytes apart into {@code out[o + i * outStride]}. */
    static void dotQ8Int4(MemorySegment w, long off, long stride, short[] qa, float[] da, int ao, int n, float[] out, int o, int outStride) {
        int nb = n / BLOCK;
        int ab0 = ao / BLOCK;
        long off1 = off + stride;
        long off2 = off1 + stride;
        long off3 = off2 + stride;
        FloatVector acc0 = FloatVector.zero(QF);
        FloatVector acc1 = FloatVector.zero(QF);
        FloatVector acc2 = FloatVector.zero(QF);
        FloatVector acc3 = FloatVector.zero(QF);
        for (int b = 0; b < nb; b++) {
            long bo = 34L * b + 2;
            int a = ao + BLOCK * b;
            IntVector s0 = IntVector.zero(QI);
            IntVector s1 = IntVector.zero(QI);
            IntVector s2 = IntVector.zero(QI);
            IntVector s3 = IntVector.zero(QI);
            for (int j = 0; j < BLOCK; j += 2 * QSL) {
                ShortVector x0 = ShortVector.fromArray(QS, qa, a + j);
                ShortVector x1 = ShortVector.fromArray(QS, qa, a + j + QSL);
                IntVector v0 = ((ShortVector) ByteVector.fromMemorySegment(QB, w, off + bo + j, LE).convertShape(B2S, QS, 0)).mul(x0)
                        .add(((ShortVector) ByteVector.fromMemorySegment(QB, w, off + bo + j + QSL, LE).convertShape(B2S, QS, 0)).mul(x1))
                        .reinterpretAsInts();
                IntVector t0 = v0.lanewise(ASHR, 16).add(v0.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s0 = j == 0 ? t0 : s0.add(t0);
                IntVector v1 = ((ShortVector) ByteVector.fromMemorySegment(QB, w, off1 + bo + j, LE).convertShape(B2S, QS, 0)).mul(x0)
                        .add(((ShortVector) ByteVector.fromMemorySegment(QB, w, off1 + bo + j + QSL, LE).convertShape(B2S, QS, 0)).mul(x1))
                        .reinterpretAsInts();
                IntVector t1 = v1.lanewise(ASHR, 16).add(v1.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s1 = j == 0 ? t1 : s1.add(t1);
                IntVector v2 = ((ShortVector) ByteVector.fromMemorySegment(QB, w, off2 + bo + j, LE).convertShape(B2S, QS, 0)).mul(x0)
                        .add(((ShortVector) ByteVector.fromMemorySegment(QB, w, off2 + bo + j + QSL, LE).convertShape(B2S, QS, 0)).mul(x1))
                        .reinterpretAsInts();
                IntVector t2 = v2.lanewise(ASHR, 16).add(v2.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s2 = j == 0 ? t2 : s2.add(t2);
                IntVector v3 = ((ShortVector) ByteVector.fromMemorySegment(QB, w, off3 + bo + j, LE).convertShape(B2S, QS, 0)).mul(x0)
                        .add(((ShortVector) ByteVector.fromMemorySegment(QB, w, off3 + bo + j + QSL, LE).convertShape(B2S, QS, 0)).mul(x1))
                        .reinterpretAsInts();
                IntVector t3 = v3.lanewise(ASHR, 16).add(v3.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s3 = j == 0 ? t3 : s3.add(t3);
            }
            float d = da[ab0 + b];
            long so = 34L * b;
            float d0 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off + so, LE).lane(0)) * d;
            float d1 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off1 + so, LE).lane(0)) * d;
            float d2 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off2 + so, LE).lane(0)) * d;
            float d3 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off3 + so, LE).lane(0)) * d;
            acc0 = ((FloatVector) s0.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d0), acc0);
            acc1 = ((FloatVector) s1.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d1), acc1);
            acc2 = ((FloatVector) s2.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d2), acc2);
            acc3 = ((FloatVector) s3.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d3), acc3);
        }
        // the four rows' lanes summed in a fixed order, row r's sum to lane 0, QL / 2, QL / 4, 3 QL / 4: see V
        FloatVector c01 = acc0.blend(acc1, Q_M2).add(acc1.blend(acc0, Q_M2).rearrange(Q_X2));
        FloatVector c23 = acc2.blend(acc3, Q_M2).add(acc3.blend(acc2, Q_M2).rearrange(Q_X2));
        FloatVector e = c01.blend(c23, Q_M4).add(c23.blend(c01, Q_M4).rearrange(Q_X4));
        e = QL == 8 ? e.add(e.rearrange(Q_X8)) : e;
        out[o] = e.lane(0);
        out[o + outStride] = e.lane(QL / 2);
        out[o + 2 * outStride] = e.lane(QL / 4);
        out[o + 3 * outStride] = e.lane(3 * QL / 4);
    }

    /** {@link #dotQ4Int} of four rows {@code stride} bytes apart, as {@link #dotQ8Int4}. */
    static void dotQ4Int4(MemorySegment w, long off, long stride, short[] qa, short[] t, float[] da, int ao, int n, float[] out, int o, int outStride) {
        int nb = n / BLOCK;
        int ab0 = ao / BLOCK;
        long off1 = off + stride;
        long off2 = off1 + stride;
        long off3 = off2 + stride;
        FloatVector acc0 = FloatVector.zero(QF);
        FloatVector acc1 = FloatVector.zero(QF);
        FloatVector acc2 = FloatVector.zero(QF);
        FloatVector acc3 = FloatVector.zero(QF);
        for (int b = 0; b < nb; b++) {
            long bo = 18L * b + 2;
            int a = ao + BLOCK * b;
            IntVector s0 = IntVector.zero(QI);
            IntVector s1 = IntVector.zero(QI);
            IntVector s2 = IntVector.zero(QI);
            IntVector s3 = IntVector.zero(QI);
            for (int j = 0; j < BLOCK / 2; j += QSL) {
                ShortVector ta = ShortVector.fromArray(QS, t, a + j);
                ShortVector tc = ShortVector.fromArray(QS, t, a + 16 + j);
                ShortVector xh = ShortVector.fromArray(QS, qa, a + 16 + j);
                ShortVector u0 = (ShortVector) ByteVector.fromMemorySegment(QB, w, off + bo + j, LE).convertShape(ZERO_EXTEND_B2S, QS, 0);
                IntVector v0 = u0.and((short) 0x0F).mul(ta).add(u0.mul(xh)).sub(tc).reinterpretAsInts();
                IntVector t0 = v0.lanewise(ASHR, 16).add(v0.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s0 = j == 0 ? t0 : s0.add(t0);
                ShortVector u1 = (ShortVector) ByteVector.fromMemorySegment(QB, w, off1 + bo + j, LE).convertShape(ZERO_EXTEND_B2S, QS, 0);
                IntVector v1 = u1.and((short) 0x0F).mul(ta).add(u1.mul(xh)).sub(tc).reinterpretAsInts();
                IntVector t1 = v1.lanewise(ASHR, 16).add(v1.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s1 = j == 0 ? t1 : s1.add(t1);
                ShortVector u2 = (ShortVector) ByteVector.fromMemorySegment(QB, w, off2 + bo + j, LE).convertShape(ZERO_EXTEND_B2S, QS, 0);
                IntVector v2 = u2.and((short) 0x0F).mul(ta).add(u2.mul(xh)).sub(tc).reinterpretAsInts();
                IntVector t2 = v2.lanewise(ASHR, 16).add(v2.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s2 = j == 0 ? t2 : s2.add(t2);
                ShortVector u3 = (ShortVector) ByteVector.fromMemorySegment(QB, w, off3 + bo + j, LE).convertShape(ZERO_EXTEND_B2S, QS, 0);
                IntVector v3 = u3.and((short) 0x0F).mul(ta).add(u3.mul(xh)).sub(tc).reinterpretAsInts();
                IntVector t3 = v3.lanewise(ASHR, 16).add(v3.lanewise(LSHL, 16).lanewise(ASHR, 16));
                s3 = j == 0 ? t3 : s3.add(t3);
            }
            float d = da[ab0 + b] * 0.0625f;
            long so = 18L * b;
            float d0 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off + so, LE).lane(0)) * d;
            float d1 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off1 + so, LE).lane(0)) * d;
            float d2 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off2 + so, LE).lane(0)) * d;
            float d3 = Float.float16ToFloat(ShortVector.fromMemorySegment(SCALE, w, off3 + so, LE).lane(0)) * d;
            acc0 = ((FloatVector) s0.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d0), acc0);
            acc1 = ((FloatVector) s1.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d1), acc1);
            acc2 = ((FloatVector) s2.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d2), acc2);
            acc3 = ((FloatVector) s3.convertShape(I2F, QF, 0)).fma(FloatVector.broadcast(QF, d3), acc3);
        }
        // the four rows' lanes summed in a fixed order, row r's sum to lane 0, QL / 2, QL / 4, 3 QL / 4: see V
        FloatVector c01 = acc0.blend(acc1, Q_M2).add(acc1.blend(acc0, Q_M2).rearrange(Q_X2));
        FloatVector c23 = acc2.blend(acc3, Q_M2).add(acc3.blend(acc2, Q_M2).rearrange(Q_X2));
        FloatVector e = c01.blend(c23, Q_M4).add(c23.blend(c01, Q_M4).rearrange(Q_X4));
        e = QL == 8 ? e.add(e.rearrange(Q_X8)) : e;
        out[o] = e.lane(0);
        out[o + outStride] = e.lane(QL / 2);
        out[o + 2 * outStride] = e.lane(QL / 4);
        out[o + 3 * outStride] = e.lane(3 * QL / 4);
    }
}
