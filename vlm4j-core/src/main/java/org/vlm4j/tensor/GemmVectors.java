package org.vlm4j.tensor;

import static org.vlm4j.tensor.V.F;
import static org.vlm4j.tensor.V.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The register-tiled micro-kernel of {@link Gemm}: an output tile of {@link #MR} weight rows
 * (two vectors) x {@link #NR} tokens = 12 vector accumulators, which with the two weight vectors
 * and one broadcast is 15 of the 16 AVX2 registers.
 *
 * <p>The weight panel is packed transposed, {@code panel[k * MR + i] = W[r0 + i][k]}, so each
 * K step loads two contiguous weight vectors, broadcasts one activation per token and issues 12
 * FMAs; there is no horizontal reduction and no K tail. Only loaded when {@link Simd#ENABLED}.
 */
final class GemmVectors {
    private GemmVectors() {}

    /** Weight rows per tile (two float vectors). */
    static final int MR = 2 * L;
    /** Tokens per tile. */
    static final int NR = 6;

    /**
     * {@code out[t][r0 + i] (+)= sum_k panel[k][i] * x[t][k]} for k in {@code [k0, k1)}, tokens
     * {@code [t0, t1)}, rows {@code i < min(MR, rows - r0)}. Accumulates into {@code out} when
     * {@code accumulate}, else overwrites. Activation row t starts at {@code xOff + t * xStride};
     * output row t at {@code outOff + t * outStride}.
     */
    static void tile(float[] panel, int k0, int k1, float[] x, int xOff, int xStride, int t0, int t1,
                     float[] out, int outOff, int outStride, int r0, int rows, boolean accumulate) {
        int t = t0;
        boolean full = r0 + MR <= rows;
        for (; t + NR <= t1; t += NR) {
            int x0 = xOff + t * xStride;
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
            for (int k = k0; k < k1; k++) {
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
            int o = outOff + t * outStride + r0;
            if (full) {
                if (accumulate) {
                    c00 = c00.add(FloatVector.fromArray(F, out, o));
                    c10 = c10.add(FloatVector.fromArray(F, out, o + L));
                    c01 = c01.add(FloatVector.fromArray(F, out, o + outStride));
                    c11 = c11.add(FloatVector.fromArray(F, out, o + outStride + L));
                    c02 = c02.add(FloatVector.fromArray(F, out, o + 2 * outStride));
                    c12 = c12.add(FloatVector.fromArray(F, out, o + 2 * outStride + L));
                    c03 = c03.add(FloatVector.fromArray(F, out, o + 3 * outStride));
                    c13 = c13.add(FloatVector.fromArray(F, out, o + 3 * outStride + L));
                    c04 = c04.add(FloatVector.fromArray(F, out, o + 4 * outStride));
                    c14 = c14.add(FloatVector.fromArray(F, out, o + 4 * outStride + L));
                    c05 = c05.add(FloatVector.fromArray(F, out, o + 5 * outStride));
                    c15 = c15.add(FloatVector.fromArray(F, out, o + 5 * outStride + L));
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
            } else {
                VectorMask<Float> m0 = F.indexInRange(r0, rows);
                VectorMask<Float> m1 = F.indexInRange(r0 + L, rows);
                storePartial(c00, c10, out, o, m0, m1, accumulate);
                storePartial(c01, c11, out, o + outStride, m0, m1, accumulate);
                storePartial(c02, c12, out, o + 2 * outStride, m0, m1, accumulate);
                storePartial(c03, c13, out, o + 3 * outStride, m0, m1, accumulate);
                storePartial(c04, c14, out, o + 4 * outStride, m0, m1, accumulate);
                storePartial(c05, c15, out, o + 5 * outStride, m0, m1, accumulate);
            }
        }
        for (; t < t1; t++) {
            int x0 = xOff + t * xStride;
            FloatVector c00 = FloatVector.zero(F);
            FloatVector c10 = FloatVector.zero(F);
            for (int k = k0; k < k1; k++) {
                int p = k * MR;
                FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
                c00 = FloatVector.fromArray(F, panel, p).fma(b, c00);
                c10 = FloatVector.fromArray(F, panel, p + L).fma(b, c10);
            }
            int o = outOff + t * outStride + r0;
            storePartial(c00, c10, out, o, F.indexInRange(r0, rows), F.indexInRange(r0 + L, rows), accumulate);
        }
    }

    private static void storePartial(FloatVector c0, FloatVector c1, float[] out, int o,
                                     VectorMask<Float> m0, VectorMask<Float> m1, boolean accumulate) {
        if (accumulate) {
            c0 = c0.add(FloatVector.fromArray(F, out, o, m0));
            c1 = c1.add(FloatVector.fromArray(F, out, o + L, m1));
        }
        c0.intoArray(out, o, m0);
        c1.intoArray(out, o + L, m1);
    }
}
