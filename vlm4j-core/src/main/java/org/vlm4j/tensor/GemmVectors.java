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
    /** Tokens per tile ({@link #kernelPacked} and {@link #packTile} are written for exactly 4). */
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

    /**
     * Packs the {@link #NR} token rows {@code x[src + j * cols + k]} k-major into
     * {@code xp[dst + k * NR + j]} (the layout {@link #kernelPacked} reads).
     */
    static void packTile(float[] x, int src, int cols, float[] xp, int dst) {
        transpose4(x, src, cols, xp, dst, NR);
    }

    /**
     * Transposes {@link #MR} row-major rows {@code rows[i * cols + k]} into the panel layout
     * {@code panel[k * MR + i]} (see {@link Gemm}), four rows at a time.
     */
    static void transposePanel(float[] rows, int cols, float[] panel) {
        for (int g = 0; g < MR; g += 4) {
            transpose4(rows, g * cols, cols, panel, g, MR);
        }
    }

    /**
     * The four rows {@code src[s0 + j * cols + k]} ({@code j < 4}) to {@code dst[d0 + k * stride + j]},
     * one 4 x 4 block at a time: four row loads, an in-register transpose, four stores.
     */
    private static void transpose4(float[] src, int s0, int cols, float[] dst, int d0, int stride) {
        int s1 = s0 + cols;
        int s2 = s1 + cols;
        int s3 = s2 + cols;
        int k = 0;
        for (; k + 4 <= cols; k += 4) {
            FloatVector r0 = FloatVector.fromArray(F4, src, s0 + k);
            FloatVector r1 = FloatVector.fromArray(F4, src, s1 + k);
            FloatVector r2 = FloatVector.fromArray(F4, src, s2 + k);
            FloatVector r3 = FloatVector.fromArray(F4, src, s3 + k);
            // column c of the 4 x 4 block = lane c of each row
            FloatVector t01lo = r0.rearrange(ZIP_LO, r1); // r0[0] r1[0] r0[1] r1[1]
            FloatVector t01hi = r0.rearrange(ZIP_HI, r1); // r0[2] r1[2] r0[3] r1[3]
            FloatVector t23lo = r2.rearrange(ZIP_LO, r3);
            FloatVector t23hi = r2.rearrange(ZIP_HI, r3);
            int o = d0 + k * stride;
            t01lo.rearrange(CAT_LO, t23lo).intoArray(dst, o);              // r0[0] r1[0] r2[0] r3[0]
            t01lo.rearrange(CAT_HI, t23lo).intoArray(dst, o + stride);     // r0[1] r1[1] r2[1] r3[1]
            t01hi.rearrange(CAT_LO, t23hi).intoArray(dst, o + 2 * stride);
            t01hi.rearrange(CAT_HI, t23hi).intoArray(dst, o + 3 * stride);
        }
        for (; k < cols; k++) {
            int o = d0 + k * stride;
            dst[o] = src[s0 + k];
            dst[o + 1] = src[s1 + k];
            dst[o + 2] = src[s2 + k];
            dst[o + 3] = src[s3 + k];
        }
    }

    private static final jdk.incubator.vector.VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    // two-vector shuffles: indexes >= 4 select from the second vector
    private static final jdk.incubator.vector.VectorShuffle<Float> ZIP_LO = jdk.incubator.vector.VectorShuffle.fromValues(F4, 0, 4, 1, 5);
    private static final jdk.incubator.vector.VectorShuffle<Float> ZIP_HI = jdk.incubator.vector.VectorShuffle.fromValues(F4, 2, 6, 3, 7);
    private static final jdk.incubator.vector.VectorShuffle<Float> CAT_LO = jdk.incubator.vector.VectorShuffle.fromValues(F4, 0, 1, 4, 5);
    private static final jdk.incubator.vector.VectorShuffle<Float> CAT_HI = jdk.incubator.vector.VectorShuffle.fromValues(F4, 2, 3, 6, 7);

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
