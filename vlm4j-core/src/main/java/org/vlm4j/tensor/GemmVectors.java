package org.vlm4j.tensor;

import static org.vlm4j.tensor.V.F;
import static org.vlm4j.tensor.V.L;

import jdk.incubator.vector.FloatVector;

/**
 * The register-tiled micro-kernel of {@link Gemm}: an output tile of {@link #MR} weight rows
 * (two vectors) x {@link #NR} tokens = 12 vector accumulators, which with the two weight vectors
 * and one broadcast is 15 of the 16 AVX2 registers.
 *
 * <p>The weight panel is packed transposed, {@code panel[k * MR + i] = W[r0 + i][k]}, so each
 * K step loads two contiguous weight vectors, broadcasts one activation per token and issues 12
 * FMAs; there is no horizontal reduction and no K tail. (Variants measured on Zen3 - 3 x 4,
 * 4 x 3, activations packed, K unrolled by 2, K blocked for L1 - were not faster.) Only loaded
 * when {@link Simd#ENABLED}.
 */
final class GemmVectors {
    private GemmVectors() {}

    /** Weight rows per tile (two float vectors). */
    static final int MR = 2 * L;
    /** Tokens per tile. */
    static final int NR = 6;

    /**
     * One full tile: {@code out[o + j * outStride + i] = sum_k panel[k * MR + i] * x[x0 + j * xStride + k]}
     * for tokens {@code j < NR}, rows {@code i < MR}, {@code k < kLen}.
     *
     * <p>Deliberately one short call per tile: the method is invoked thousands of times per
     * product, so C2 compiles it normally (an OSR compilation of one long-running loop nest
     * boxed the vector accumulators and allocated 1.6 GB per 1024x1024x1025 product).
     */
    static void kernel6(float[] panel, int kLen, float[] x, int x0, int xStride, float[] out, int o, int outStride) {
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        int x4 = x3 + xStride;
        int x5 = x4 + xStride;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = FloatVector.zero(F);
        FloatVector c02 = FloatVector.zero(F);
        FloatVector c03 = FloatVector.zero(F);
        FloatVector c04 = FloatVector.zero(F);
        FloatVector c05 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F);
        FloatVector c12 = FloatVector.zero(F);
        FloatVector c13 = FloatVector.zero(F);
        FloatVector c14 = FloatVector.zero(F);
        FloatVector c15 = FloatVector.zero(F);
        for (int k = 0; k < kLen; k++) {
            int p = k * MR;
            FloatVector w0 = FloatVector.fromArray(F, panel, p);
            FloatVector w1 = FloatVector.fromArray(F, panel, p + L);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c00 = w0.fma(b, c00);
            c10 = w1.fma(b, c10);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c01 = w0.fma(b, c01);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[x2 + k]);
            c02 = w0.fma(b, c02);
            c12 = w1.fma(b, c12);
            b = FloatVector.broadcast(F, x[x3 + k]);
            c03 = w0.fma(b, c03);
            c13 = w1.fma(b, c13);
            b = FloatVector.broadcast(F, x[x4 + k]);
            c04 = w0.fma(b, c04);
            c14 = w1.fma(b, c14);
            b = FloatVector.broadcast(F, x[x5 + k]);
            c05 = w0.fma(b, c05);
            c15 = w1.fma(b, c15);
        }
        c00.intoArray(out, o);
        c10.intoArray(out, o + L);
        c01.intoArray(out, o + outStride);
        c11.intoArray(out, o + outStride + L);
        c02.intoArray(out, o + 2 * outStride);
        c12.intoArray(out, o + 2 * outStride + L);
        c03.intoArray(out, o + 3 * outStride);
        c13.intoArray(out, o + 3 * outStride + L);
        c04.intoArray(out, o + 4 * outStride);
        c14.intoArray(out, o + 4 * outStride + L);
        c05.intoArray(out, o + 5 * outStride);
        c15.intoArray(out, o + 5 * outStride + L);
    }

    /** One token: {@code out[o + i] = sum_k panel[k * MR + i] * x[x0 + k]} for {@code i < MR}. */
    static void kernel1(float[] panel, int kLen, float[] x, int x0, float[] out, int o) {
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = FloatVector.zero(F);
        for (int k = 0; k < kLen; k++) {
            int p = k * MR;
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c0 = FloatVector.fromArray(F, panel, p).fma(b, c0);
            c1 = FloatVector.fromArray(F, panel, p + L).fma(b, c1);
        }
        c0.intoArray(out, o);
        c1.intoArray(out, o + L);
    }
}
