package org.vlm4j.tensor;

import java.nio.ByteOrder;
import jdk.incubator.vector.VectorShape;
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
    /** Shorts per int8 step (8 or 16; divides 16). */
    static final int QSL = QS.length();
}
