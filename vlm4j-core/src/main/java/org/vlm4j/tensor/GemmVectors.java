package org.vlm4j.tensor;

import static org.vlm4j.tensor.V.F;
import static org.vlm4j.tensor.V.L;

import jdk.incubator.vector.FloatVector;

/**
 * The register-tiled micro-kernel of {@link Gemm}: an output tile of {@link #MR} weight rows
 * (two vectors) x {@link #NR} tokens = 8 vector accumulators.
 *
 * <p>The weight panel is packed transposed, {@code panel[k * MR + i] = W[r0 + i][k]}, and the
 * activations k-major per tile, so each K step loads two contiguous weight vectors, broadcasts one
 * activation per token from one contiguous stream and issues 8 FMAs; there is no horizontal
 * reduction and no K tail.
 *
 * <p>Why 2 x 4 and not the textbook 2 x 6 (12 accumulators + 2 weights + 1 broadcast = 15 of 16
 * AVX2 registers): C2 hoists the broadcasts of a K step ahead of the FMAs, runs out of registers and
 * spills three accumulators to the stack, and the store-to-load chain through them halves the FMA
 * rate. Measured in isolation on Zen3 (one core, panel in L2): 2 x 6 = 43 GFLOP/s, 3 x 4 = 44,
 * 2 x 5 = 37, 3 x 3 = 90, 4 x 2 = 84, 2 x 4 = 97 (the same 2 x 6 tile in C with GCC: 100). Only
 * loaded when {@link Simd#ENABLED}.
 */
final class GemmVectors {
    private GemmVectors() {}

    /** Weight rows per tile (two float vectors). */
    static final int MR = 2 * L;
    /** Tokens per tile. */
    static final int NR = 4;

    /**
     * One full tile over packed activations: {@code xp[q + k * NR + j]} is token {@code j}, element
     * {@code k} (see {@link Gemm}); {@code out[o + j * outStride + i] = sum_k panel[k * MR + i] * xp[..]}.
     */
    static void kernelPacked(float[] panel, int kLen, float[] xp, int q, float[] out, int o, int outStride) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = FloatVector.zero(F);
        FloatVector c02 = FloatVector.zero(F);
        FloatVector c03 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F);
        FloatVector c12 = FloatVector.zero(F);
        FloatVector c13 = FloatVector.zero(F);
        for (int k = 0; k < kLen; k++) {
            int p = k * MR;
            int b0 = q + k * NR;
            FloatVector w0 = FloatVector.fromArray(F, panel, p);
            FloatVector w1 = FloatVector.fromArray(F, panel, p + L);
            FloatVector b = FloatVector.broadcast(F, xp[b0]);
            c00 = w0.fma(b, c00);
            c10 = w1.fma(b, c10);
            b = FloatVector.broadcast(F, xp[b0 + 1]);
            c01 = w0.fma(b, c01);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, xp[b0 + 2]);
            c02 = w0.fma(b, c02);
            c12 = w1.fma(b, c12);
            b = FloatVector.broadcast(F, xp[b0 + 3]);
            c03 = w0.fma(b, c03);
            c13 = w1.fma(b, c13);
        }
        c00.intoArray(out, o);
        c10.intoArray(out, o + L);
        c01.intoArray(out, o + outStride);
        c11.intoArray(out, o + outStride + L);
        c02.intoArray(out, o + 2 * outStride);
        c12.intoArray(out, o + 2 * outStride + L);
        c03.intoArray(out, o + 3 * outStride);
        c13.intoArray(out, o + 3 * outStride + L);
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
