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
 * <p>Work is split into (head, query block) tasks. Each task holds the scores of its query block
 * against all keys in a per-thread scratch ({@code QUERY_BLOCK x seqPad} floats), so the 1025 x 1025
 * score matrices of all heads are never materialised at once. Keys are transposed once per layer into
 * {@code kT[head][dim][seqPad]} (zero-padded), which turns both products into register-tiled
 * micro-kernels: scores are 4 queries x 3 vectors of keys, {@code P v} is 4 queries x 2 vectors of
 * head dimensions. Instances own their buffers and are reused across layers and tiles; not
 * thread-safe (one attention at a time).
 */
final class VisionAttention {
    /** Queries per task. */
    static final int QUERY_BLOCK = 32;
    private static final int QT = 4; // query rows per micro-tile
    private static final int KV = 3; // key vectors per score micro-tile
    private static final int DV = 2; // dimension vectors per P.v micro-tile

    private final int seq;
    private final int heads;
    private final int headDim;
    private final int width;
    private final int seqPad;
    private final int queryBlocks;
    private final float[] kT;
    private final boolean vectorPv;
    private final ConcurrentLinkedDeque<float[]> scratch = new ConcurrentLinkedDeque<>();
    /** Forces the scalar kernels (tests compare both paths). */
    boolean forceScalar;

    VisionAttention(int seq, int heads, int headDim) {
        this.seq = seq;
        this.heads = heads;
        this.headDim = headDim;
        this.width = heads * headDim;
        int step = L * KV;
        this.seqPad = (seq + step - 1) / step * step;
        this.queryBlocks = (seq + QUERY_BLOCK - 1) / QUERY_BLOCK;
        this.kT = new float[Math.multiplyExact(Math.multiplyExact(heads, headDim), seqPad)];
        this.vectorPv = headDim % (L * DV) == 0;
    }

    /**
     * Attention for all heads: {@code q, k, v} are {@code [seq][width]} with head {@code h} at columns
     * {@code h*headDim ..}; {@code q} must already hold the scaled, biased queries, {@code k} and
     * {@code v} the biased keys and values. Writes {@code out [seq][width]} (heads concatenated).
     */
    void forward(WorkerPool pool, float[] q, float[] k, float[] v, float[] out) {
        transposeKeys(pool, k);
        pool.run(heads * queryBlocks, c -> {
            int h = c / queryBlocks;
            int q0 = (c % queryBlocks) * QUERY_BLOCK;
            int q1 = Math.min(seq, q0 + QUERY_BLOCK);
            float[] s = scratch.pollFirst();
            if (s == null) {
                s = new float[QUERY_BLOCK * seqPad + QUERY_BLOCK]; // scores, then 1/row sums
            }
            try {
                block(h, q0, q1, q, v, out, s);
            } finally {
                scratch.offerFirst(s);
            }
        });
    }

    /** {@code kT[h][d][t] = k[t][h*headDim + d]}; the padding columns stay zero. */
    private void transposeKeys(WorkerPool pool, float[] k) {
        pool.run(heads, h -> {
            int base = h * headDim * seqPad;
            for (int t0 = 0; t0 < seq; t0 += 16) {
                int t1 = Math.min(seq, t0 + 16);
                for (int d = 0; d < headDim; d++) {
                    int dst = base + d * seqPad;
                    int src = h * headDim + d;
                    for (int t = t0; t < t1; t++) {
                        kT[dst + t] = k[t * width + src];
                    }
                }
            }
        });
    }

    private void block(int h, int q0, int q1, float[] q, float[] v, float[] out, float[] s) {
        int kBase = h * headDim * seqPad;
        int col = h * headDim;
        // 1. scores s[i - q0][j] = q_i . k_j
        int i = q0;
        if (!forceScalar) {
            for (; i + QT <= q1; i += QT) {
                scoreTile4(q, i * width + col, kBase, s, (i - q0) * seqPad);
            }
        }
        for (; i < q1; i++) {
            scoreRow(q, i * width + col, kBase, s, (i - q0) * seqPad);
        }
        // 2. softmax numerators in place, row sums kept for the end
        int inv = QUERY_BLOCK * seqPad;
        for (i = q0; i < q1; i++) {
            int o = (i - q0) * seqPad;
            float max = VitKernels.max(s, o, seq);
            s[inv + i - q0] = 1f / VitKernels.expShiftSum(s, o, seq, max);
        }
        // 3. out_i = (sum_j e_ij v_j) / sum_j e_ij
        i = q0;
        if (vectorPv && !forceScalar) {
            for (; i + QT <= q1; i += QT) {
                for (int d = 0; d < headDim; d += L * DV) {
                    pvTile4(s, (i - q0) * seqPad, v, col + d, out, i * width + col + d, inv + i - q0);
                }
            }
        }
        for (; i < q1; i++) {
            pvRow(s, (i - q0) * seqPad, v, col, out, i * width + col, s[inv + i - q0]);
        }
    }

    /** Scores of 4 consecutive queries against all (padded) keys, 3 vectors of keys at a time. */
    private void scoreTile4(float[] q, int qOff, int kBase, float[] s, int sOff) {
        int qs = width;
        for (int j = 0; j < seqPad; j += L * KV) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00;
            int kp = kBase + j;
            for (int d = 0; d < headDim; d++, kp += seqPad) {
                FloatVector k0 = FloatVector.fromArray(F, kT, kp);
                FloatVector k1 = FloatVector.fromArray(F, kT, kp + L);
                FloatVector k2 = FloatVector.fromArray(F, kT, kp + 2 * L);
                FloatVector b = FloatVector.broadcast(F, q[qOff + d]);
                a00 = k0.fma(b, a00);
                a01 = k1.fma(b, a01);
                a02 = k2.fma(b, a02);
                b = FloatVector.broadcast(F, q[qOff + qs + d]);
                a10 = k0.fma(b, a10);
                a11 = k1.fma(b, a11);
                a12 = k2.fma(b, a12);
                b = FloatVector.broadcast(F, q[qOff + 2 * qs + d]);
                a20 = k0.fma(b, a20);
                a21 = k1.fma(b, a21);
                a22 = k2.fma(b, a22);
                b = FloatVector.broadcast(F, q[qOff + 3 * qs + d]);
                a30 = k0.fma(b, a30);
                a31 = k1.fma(b, a31);
                a32 = k2.fma(b, a32);
            }
            int o = sOff + j;
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
            o += seqPad;
            a30.intoArray(s, o);
            a31.intoArray(s, o + L);
            a32.intoArray(s, o + 2 * L);
        }
    }

    /** Scores of one query (scalar reference and remainder path). */
    private void scoreRow(float[] q, int qOff, int kBase, float[] s, int sOff) {
        for (int j = 0; j < seq; j++) {
            float acc = 0f;
            for (int d = 0; d < headDim; d++) {
                acc += q[qOff + d] * kT[kBase + d * seqPad + j];
            }
            s[sOff + j] = acc;
        }
    }

    /** {@code DV} vectors of output dimensions for 4 queries, summed over all keys. */
    private void pvTile4(float[] s, int sOff, float[] v, int vCol, float[] out, int outOff, int r) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00;
        FloatVector a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00;
        FloatVector a30 = a00, a31 = a00;
        int s1 = sOff + seqPad, s2 = s1 + seqPad, s3 = s2 + seqPad;
        for (int j = 0, vp = vCol; j < seq; j++, vp += width) {
            FloatVector v0 = FloatVector.fromArray(F, v, vp);
            FloatVector v1 = FloatVector.fromArray(F, v, vp + L);
            FloatVector p = FloatVector.broadcast(F, s[sOff + j]);
            a00 = v0.fma(p, a00);
            a01 = v1.fma(p, a01);
            p = FloatVector.broadcast(F, s[s1 + j]);
            a10 = v0.fma(p, a10);
            a11 = v1.fma(p, a11);
            p = FloatVector.broadcast(F, s[s2 + j]);
            a20 = v0.fma(p, a20);
            a21 = v1.fma(p, a21);
            p = FloatVector.broadcast(F, s[s3 + j]);
            a30 = v0.fma(p, a30);
            a31 = v1.fma(p, a31);
        }
        a00.mul(s[r]).intoArray(out, outOff);
        a01.mul(s[r]).intoArray(out, outOff + L);
        outOff += width;
        a10.mul(s[r + 1]).intoArray(out, outOff);
        a11.mul(s[r + 1]).intoArray(out, outOff + L);
        outOff += width;
        a20.mul(s[r + 2]).intoArray(out, outOff);
        a21.mul(s[r + 2]).intoArray(out, outOff + L);
        outOff += width;
        a30.mul(s[r + 3]).intoArray(out, outOff);
        a31.mul(s[r + 3]).intoArray(out, outOff + L);
    }

    /** One query's output over all head dimensions (scalar reference and remainder path). */
    private void pvRow(float[] s, int sOff, float[] v, int vCol, float[] out, int outOff, float inv) {
        for (int d = 0; d < headDim; d++) {
            out[outOff + d] = 0f;
        }
        for (int j = 0, vp = vCol; j < seq; j++, vp += width) {
            float p = s[sOff + j];
            for (int d = 0; d < headDim; d++) {
                out[outOff + d] += p * v[vp + d];
            }
        }
        for (int d = 0; d < headDim; d++) {
            out[outOff + d] *= inv;
        }
    }
}
