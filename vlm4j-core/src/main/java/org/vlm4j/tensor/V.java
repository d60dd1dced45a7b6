package org.vlm4j.tensor;

import java.nio.ByteOrder;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every kernel uses, fixed once from {@link Simd#BITS} (this class is only
 * loaded when {@link Simd#ENABLED}). Static finals, so the JIT folds them into constants and the
 * width-generic loops below unroll.
 *
 * <p>Naming: {@code F}/{@code I} are the float/int species of the full width, with {@code L}
 * lanes; {@code SH_L} is the short species with the same lane count (half the width), used to
 * widen 16-bit floats; {@code B_F} is the byte species the float-path quantized kernels load
 * (at least 64 bits, because there is no 32-bit byte species); the {@code Q*} species serve the
 * int8 dot products, which use at most 256 bits so that one 32-element block is a whole number of
 * steps at every width.
 */
final class V {
    private V() {}

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static final int BITS = Simd.BITS;
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    /** Floats per vector (4, 8 or 16). */
    static final int L = F.length();
    /** Shorts with L lanes (half width): F16/BF16 loads. */
    static final VectorSpecies<Short> SH_L = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS / 2));
    /** Bytes loaded per step by the float-path quantized kernels: max(64, L*8) bits. */
    static final VectorSpecies<Byte> B_F = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, BITS / 4)));
    /** Bytes per such load (8 or 16; divides 16 and 32). */
    static final int BFL = B_F.length();
    /** Float vectors per such load (1 or 2). */
    static final int B_F_PARTS = BFL / L;

    /** Width of the int8 dot kernels: min(BITS, 256). */
    static final int QBITS = Math.min(BITS, 256);
    static final VectorSpecies<Float> QF = VectorSpecies.of(float.class, VectorShape.forBitSize(QBITS));
    static final VectorSpecies<Integer> QI = VectorSpecies.of(int.class, VectorShape.forBitSize(QBITS));
    static final VectorSpecies<Short> QS = VectorSpecies.of(short.class, VectorShape.forBitSize(QBITS));
    /** Bytes with as many lanes as QS (half of QBITS). */
    static final VectorSpecies<Byte> QB = VectorSpecies.of(byte.class, VectorShape.forBitSize(QBITS / 2));
    /** Floats per {@link #QF} vector (4 or 8). */
    static final int QL = QF.length();
    /** Shorts per int8 step (8 or 16; divides 16). */
    static final int QSL = QS.length();

    // ---- lane sums in a fixed order
    //
    // reduceLanes(ADD) leaves its summation order open, and the Vector API's Java fallback (which
    // runs until C2 compiles the caller) adds in another order than C2's code, so a kernel gave
    // other bits before compilation than after. The kernels sum their lanes with this tree
    // instead: lane i is added to lane i ^ w for w = L/2, L/4, ..., 1, so the sum ends in lane 0.
    // Its moves (rearrange, blend) and adds are exact operations, the same in both. The four-row
    // kernels do the first two levels for four accumulators at once (blend, rearrange, add), which
    // leaves row 0's sum in lane 0, row 1's in L/2, row 2's in L/4 and row 3's in 3L/4; since
    // IEEE addition is commutative, each row gets the same bits as the one-row kernels' tree.

    /** Lane i to i ^ L/2, i ^ L/4, i ^ L/8, i ^ L/16 (identity where that is not a lane). */
    static final VectorShuffle<Float> F_X2 = xor(F, 2), F_X4 = xor(F, 4), F_X8 = xor(F, 8), F_X16 = xor(F, 16);
    /** The lanes whose index has the bit L/2, and the bit L/4. */
    static final VectorMask<Float> F_M2 = bit(F, 2), F_M4 = bit(F, 4);
    /** As {@link #F_X2} etc. for the int8 kernels' float species {@link #QF} (4 or 8 lanes). */
    static final VectorShuffle<Float> Q_X2 = xor(QF, 2), Q_X4 = xor(QF, 4), Q_X8 = xor(QF, 8);
    static final VectorMask<Float> Q_M2 = bit(QF, 2), Q_M4 = bit(QF, 4);

    private static VectorShuffle<Float> xor(VectorSpecies<Float> s, int fraction) {
        int w = s.length() / fraction;
        return VectorShuffle.fromOp(s, i -> w >= 1 ? i ^ w : i);
    }

    private static VectorMask<Float> bit(VectorSpecies<Float> s, int fraction) {
        int w = s.length() / fraction;
        boolean[] b = new boolean[s.length()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (i & w) != 0;
        }
        return VectorMask.fromArray(s, b, 0);
    }
}
