package org.vlm4j.model.internvit;

import static org.vlm4j.model.internvit.VitKernels.F;
import static org.vlm4j.model.internvit.VitKernels.L;

import java.util.concurrent.ConcurrentLinkedDeque;
import jdk.incubator.vector.FloatVector;
import org.vlm4j.tensor.WorkerPool;

/**
 * Bidirectional multi-head self-attention over one tile's tokens: {@code softmax(q k^T) v} per head,
 * with {@code q} already scaled by {@code head_dim^-0.5} (the original model scales q before the
 * product).
 *
 * <p>Work is split into (head, query block) tasks. Each task keeps the scores of its
 * {@value #QUERY_BLOCK} queries against all keys in a per-thread scratch, so the 1025 x 1025 score
 * matrices of all heads are never materialised at once. Once per layer, keys are packed per head
 * into zero-padded panels of {@code 3 x vector length} keys ({@code [panel][dim][keys]}) and values
 * into {@code [key][dim]} rows, so that both products run as register-tiled micro-kernels over
 * contiguous, cache-resident data (the raw activations have a row stride of 4 KiB, which would make
 * every head access alias in the caches): scores are 3 queries x 3 vectors of keys, {@code P v} is 4
 * queries x 2 vectors of head dimensions over blocks of {@value #KEY_BLOCK} keys. Instances own their
 * buffers and are reused across layers and tiles; not thread-safe (one forward at a time).
 */
final class VisionAttention {
    /** Queries per task. */
    static final int QUERY_BLOCK = 24;
    /** Keys per block of the {@code P v} product (keeps the value panel in L1). */
    static final int KEY_BLOCK = 128;
    // Micro-tile shapes. At most ~13 live vector registers: with AVX2's 16, a 4x3 tile (16 live)
    // made C2 spill and ran at half the speed of 3x3 on the development machine.
    private static final int SQ = 3; // query rows per score micro-tile
    private static final int KV = 3; // key vectors per score micro-tile (one key panel)
    private static final int PQ = 4; // query rows per P.v micro-tile
    private static final int DV = 2; // dimension vectors per P.v micro-tile

    private final int seq;
    private final int heads;
    private final int headDim;
    private final int width;
    private final int panel; // keys per panel
    private final int seqPad;
    private final int queryBlocks;
    private final float[] kPacked; // [head][panel][dim][panel keys]
    private final float[] vPacked; // [head][key][dim]
    private final boolean vectorPv;
    // per-task scratch layout
    private final int sOff;
    private final int accOff;
    private final int invOff;
    private final int scratchSize;
    private final ConcurrentLinkedDeque<float[]> scratch = new ConcurrentLinkedDeque<>();
    /** Forces the scalar kernels (tests compare both paths). */
    boolean forceScalar;

    VisionAttention(int seq, int heads, int headDim) {
        this.seq = seq;
        this.heads = heads;
        this.headDim = headDim;
        this.width = heads * headDim;
        this.panel = L * KV;
        this.seqPad = (seq + panel - 1) / panel * panel;
        this.queryBlocks = (seq + QUERY_BLOCK - 1) / QUERY_BLOCK;
        this.kPacked = new float[Math.multiplyExact(Math.multiplyExact(heads, headDim), seqPad)];
        this.vPacked = new float[Math.multiplyExact(Math.multiplyExact(heads, headDim), seq)];
        this.vectorPv = headDim % (L * DV) == 0;
        this.sOff = QUERY_BLOCK * headDim; // queries of the block come first
        this.accOff = sOff + QUERY_BLOCK * seqPad;
        this.invOff = accOff + QUERY_BLOCK * headDim;
        this.scratchSize = invOff + QUERY_BLOCK;
    }

    /**
     * Attention for all heads: {@code q, k, v} are {@code [seq][width]} with head {@code h} at columns
     * {@code h*headDim ..}; {@code q} must already hold the scaled, biased queries, {@code k} and
     * {@code v} the biased keys and values. Writes {@code out [seq][width]} (heads concatenated).
     */
    void forward(WorkerPool pool, float[] q, float[] k, float[] v, float[] out) {
        pool.run(heads, h -> pack(h, k, v));
        pool.run(heads * queryBlocks, c -> {
            float[] s = scratch.pollFirst();
            if (s == null) {
                s = new float[scratchSize];
            }
            try {
                block(c / queryBlocks, (c % queryBlocks) * QUERY_BLOCK, q, out, s);
            } finally {
                scratch.offerFirst(s);
            }
        });
    }

    /** Packs head {@code h}'s keys into panels and its values into contiguous rows; key padding stays zero. */
    private void pack(int h, float[] k, float[] v) {
        int col = h * headDim;
        int kBase = h * headDim * seqPad;
        int vBase = h * headDim * seq;
        for (int j = 0; j < seq; j++) {
            int dst = kBase + (j / panel) * headDim * panel + j % panel;
            int src = j * width + col;
            for (int d = 0; d < headDim; d++) {
                kPacked[dst + d * panel] = k[src + d];
            }
            System.arraycopy(v, src, vPacked, vBase + j * headDim, headDim);
        }
    }

    private void block(int h, int q0, float[] q, float[] out, float[] s) {
        int rows = Math.min(seq, q0 + QUERY_BLOCK) - q0;
        int col = h * headDim;
        for (int r = 0; r < rows; r++) {
            System.arraycopy(q, (q0 + r) * width + col, s, r * headDim, headDim);
        }
        int kBase = h * headDim * seqPad;
        int vBase = h * headDim * seq;
        boolean vec = !forceScalar;
        // 1. scores s[r][j] = q_r . k_j
        if (vec) {
            int tiled = rows / SQ * SQ;
            for (int p = 0; p < seqPad; p += panel) {
                int kp = kBase + p * headDim;
                int r = 0;
                for (; r < tiled; r += SQ) {
                    scoreTile(s, r * headDim, kp, sOff + r * seqPad + p);
                }
                for (; r < rows; r++) {
                    scoreTile1(s, r * headDim, kp, sOff + r * seqPad + p);
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                scoreRow(s, r * headDim, kBase, sOff + r * seqPad);
            }
        }
        // 2. softmax numerators in place; 1 / row sums kept for the end
        for (int r = 0; r < rows; r++) {
            int o = sOff + r * seqPad;
            s[invOff + r] = 1f / VitKernels.expShiftSum(s, o, seq, VitKernels.max(s, o, seq));
        }
        // 3. acc_r = sum_j e_rj v_j, then out_r = acc_r / sum_j e_rj
        if (vec && vectorPv) {
            int tiled = rows / PQ * PQ;
            for (int k0 = 0; k0 < seq; k0 += KEY_BLOCK) {
                int k1 = Math.min(seq, k0 + KEY_BLOCK);
                for (int d = 0; d < headDim; d += L * DV) {
                    int r = 0;
                    for (; r < tiled; r += PQ) {
                        pvTile(s, r, k0, k1, vBase + d, accOff + r * headDim + d, k0 == 0);
                    }
                    for (; r < rows; r++) {
                        pvTile1(s, r, k0, k1, vBase + d, accOff + r * headDim + d, k0 == 0);
                    }
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                pvRow(s, r, vBase, accOff + r * headDim);
            }
        }
        for (int r = 0; r < rows; r++) {
            float inv = s[invOff + r];
            int a = accOff + r * headDim;
            int o = (q0 + r) * width + col;
            for (int d = 0; d < headDim; d++) {
                out[o + d] = s[a + d] * inv;
            }
        }
    }

    /** Scores of 3 queries (rows at {@code s[qOff ..]}) against one key panel. */
    private void scoreTile(float[] s, int qOff, int kp, int outOff) {
        int hd = headDim;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00;
        for (int d = 0; d < hd; d++, kp += panel) {
            FloatVector k0 = FloatVector.fromArray(F, kPacked, kp);
            FloatVector k1 = FloatVector.fromArray(F, kPacked, kp + L);
            FloatVector k2 = FloatVector.fromArray(F, kPacked, kp + 2 * L);
            FloatVector b = FloatVector.broadcast(F, s[qOff + d]);
            a00 = k0.fma(b, a00);
            a01 = k1.fma(b, a01);
            a02 = k2.fma(b, a02);
            b = FloatVector.broadcast(F, s[qOff + hd + d]);
            a10 = k0.fma(b, a10);
            a11 = k1.fma(b, a11);
            a12 = k2.fma(b, a12);
            b = FloatVector.broadcast(F, s[qOff + 2 * hd + d]);
            a20 = k0.fma(b, a20);
            a21 = k1.fma(b, a21);
            a22 = k2.fma(b, a22);
        }
        int o = outOff;
        a00.intoArray(s, o);
        a01.intoArray(s, o + L);
        a02.intoArray(s, o + 2 * L);
        o += seqPad;
        a10.intoArray(s, o);
        a11.intoArray(s, o + L);
        a12.intoArray(s, o + 2 * L);
        o += seqPad;
        a20.intoArray(s, o);
        a21.intoArray(s, o + L);
        a22.intoArray(s, o + 2 * L);
    }

    /** Scores of one query against one key panel (remainder rows). */
    private void scoreTile1(float[] s, int qOff, int kp, int outOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
        for (int d = 0; d < headDim; d++, kp += panel) {
            FloatVector b = FloatVector.broadcast(F, s[qOff + d]);
            a0 = FloatVector.fromArray(F, kPacked, kp).fma(b, a0);
            a1 = FloatVector.fromArray(F, kPacked, kp + L).fma(b, a1);
            a2 = FloatVector.fromArray(F, kPacked, kp + 2 * L).fma(b, a2);
        }
        a0.intoArray(s, outOff);
        a1.intoArray(s, outOff + L);
        a2.intoArray(s, outOff + 2 * L);
    }

    /** Scores of one query against all keys (scalar reference path). */
    private void scoreRow(float[] s, int qOff, int kBase, int outOff) {
        for (int j = 0; j < seq; j++) {
            int kp = kBase + (j / panel) * headDim * panel + j % panel;
            float acc = 0f;
            for (int d = 0; d < headDim; d++) {
                acc += s[qOff + d] * kPacked[kp + d * panel];
            }
            s[outOff + j] = acc;
        }
    }

    /**
     * Adds keys {@code [k0, k1)} of {@code sum_j e_rj v_j} to the accumulators of query rows
     * {@code r .. r+3}, for the {@code DV} dimension vectors starting at {@code vOff}/{@code accOff}.
     */
    private void pvTile(float[] s, int r, int k0, int k1, int vOff, int accOff, boolean first) {
        int hd = headDim;
        FloatVector a00, a01, a10, a11, a20, a21, a30, a31;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00;
            a10 = a00;
            a11 = a00;
            a20 = a00;
            a21 = a00;
            a30 = a00;
            a31 = a00;
        } else {
            a00 = FloatVector.fromArray(F, s, accOff);
            a01 = FloatVector.fromArray(F, s, accOff + L);
            a10 = FloatVector.fromArray(F, s, accOff + hd);
            a11 = FloatVector.fromArray(F, s, accOff + hd + L);
            a20 = FloatVector.fromArray(F, s, accOff + 2 * hd);
            a21 = FloatVector.fromArray(F, s, accOff + 2 * hd + L);
            a30 = FloatVector.fromArray(F, s, accOff + 3 * hd);
            a31 = FloatVector.fromArray(F, s, accOff + 3 * hd + L);
        }
        int p0 = sOff + r * seqPad;
        int p1 = p0 + seqPad, p2 = p1 + seqPad, p3 = p2 + seqPad;
        for (int j = k0, vp = vOff + k0 * hd; j < k1; j++, vp += hd) {
            FloatVector v0 = FloatVector.fromArray(F, vPacked, vp);
            FloatVector v1 = FloatVector.fromArray(F, vPacked, vp + L);
            FloatVector p = FloatVector.broadcast(F, s[p0 + j]);
            a00 = v0.fma(p, a00);
            a01 = v1.fma(p, a01);
            p = FloatVector.broadcast(F, s[p1 + j]);
            a10 = v0.fma(p, a10);
            a11 = v1.fma(p, a11);
            p = FloatVector.broadcast(F, s[p2 + j]);
            a20 = v0.fma(p, a20);
            a21 = v1.fma(p, a21);
            p = FloatVector.broadcast(F, s[p3 + j]);
            a30 = v0.fma(p, a30);
            a31 = v1.fma(p, a31);
        }
        a00.intoArray(s, accOff);
        a01.intoArray(s, accOff + L);
        a10.intoArray(s, accOff + hd);
        a11.intoArray(s, accOff + hd + L);
        a20.intoArray(s, accOff + 2 * hd);
        a21.intoArray(s, accOff + 2 * hd + L);
        a30.intoArray(s, accOff + 3 * hd);
        a31.intoArray(s, accOff + 3 * hd + L);
    }

    /** {@link #pvTile} for a single query row (remainder rows). */
    private void pvTile1(float[] s, int r, int k0, int k1, int vOff, int accOff, boolean first) {
        FloatVector a0 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, s, accOff);
        FloatVector a1 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, s, accOff + L);
        int p0 = sOff + r * seqPad;
        for (int j = k0, vp = vOff + k0 * headDim; j < k1; j++, vp += headDim) {
            FloatVector p = FloatVector.broadcast(F, s[p0 + j]);
            a0 = FloatVector.fromArray(F, vPacked, vp).fma(p, a0);
            a1 = FloatVector.fromArray(F, vPacked, vp + L).fma(p, a1);
        }
        a0.intoArray(s, accOff);
        a1.intoArray(s, accOff + L);
    }

    /** One query row's {@code sum_j e_rj v_j} over all keys (scalar reference path). */
    private void pvRow(float[] s, int r, int vBase, int accOff) {
        for (int d = 0; d < headDim; d++) {
            s[accOff + d] = 0f;
        }
        int p0 = sOff + r * seqPad;
        for (int j = 0, vp = vBase; j < seq; j++, vp += headDim) {
            float p = s[p0 + j];
            for (int d = 0; d < headDim; d++) {
                s[accOff + d] += p * vPacked[vp + d];
            }
        }
    }
}
