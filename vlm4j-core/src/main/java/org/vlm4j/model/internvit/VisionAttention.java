package org.vlm4j.model.internvit;

import static org.vlm4j.model.internvit.VitKernels.F;
import static org.vlm4j.model.internvit.VitKernels.L;

import java.util.concurrent.ConcurrentLinkedDeque;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.vlm4j.tensor.VectorMath;
import org.vlm4j.tensor.WorkerPool;

/**
 * Bidirectional multi-head self-attention over one tile's tokens: {@code softmax(q k^T) v} per head,
 * no mask, with {@code q} scaled by {@code head_dim^-0.5} before the product as the original model
 * does ({@code (q * scale) @ k^T}).
 *
 * <p>Work is split into (head, query block) tasks of {@code 2 x vector length} queries (16 with
 * AVX2). Each task keeps the scores of its queries against all keys in a per-thread scratch, so the
 * 1025 x 1025 score matrices of all heads are never materialised at once. Inside a task the queries
 * run along the vector lanes ("transposed" attention): scores are stored as {@code sT[key][query]},
 * so the softmax max, exp and sum are plain vertical vector operations without horizontal
 * reductions, and both products are register-tiled micro-kernels of 4 x 2 vectors (keys x query
 * vectors for {@code q k^T}, head dimensions x query vectors for {@code P v}). Keys and values are
 * packed once per layer into contiguous per-head storage (keys in groups of 4, values in tiles of
 * 4 dimensions, see {@link #pack}), because the raw activations have a row stride of 4 KiB that makes
 * every per-head access alias in the caches.
 *
 * <p>Instances own their buffers and are reused across layers and tiles; not thread-safe (one
 * forward at a time).
 */
final class VisionAttention {
    /** Query vectors per task: 2 x 8 = 16 queries with AVX2. */
    private static final int QV = 2;
    /** Queries per task. */
    static final int QUERY_BLOCK = QV * L;
    /** Keys per block of the {@code P v} product (keeps that block of scores and values in L1). */
    static final int KEY_BLOCK = 64;
    // Micro-tiles are 2 query vectors x 4 keys (or head dimensions): 8 accumulators, 2 loads and 4
    // broadcasts per step. Tiles with 12 accumulators make C2 spill (AVX2 has 16 registers: it hoists
    // the broadcasts of a step ahead of the FMAs); 3 x 3 measured ~10% slower than 2 x 4.
    private static final int TK = 4; // keys per score micro-tile
    private static final int TD = 4; // head dimensions per P.v micro-tile

    private final int seq;
    private final int heads;
    private final int headDim;
    private final int width;
    private final int queryBlocks;
    private final float[] kPacked; // [head][key group of TK][dim][TK] (see pack)
    private final float[] vPacked; // [head][dim tile of TD][key][TD] (see pack)
    private final float[] zeros;
    // per-task scratch layout: qT [dim][QB], sT [key][QB], accT [dim][QB], inv [QB]
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
        this.queryBlocks = (seq + QUERY_BLOCK - 1) / QUERY_BLOCK;
        this.kPacked = new float[Math.multiplyExact(width, seq)];
        this.vPacked = new float[Math.multiplyExact(width, seq)];
        this.zeros = new float[width];
        this.sOff = headDim * QUERY_BLOCK;
        this.accOff = sOff + seq * QUERY_BLOCK;
        this.invOff = accOff + headDim * QUERY_BLOCK;
        this.scratchSize = invOff + QUERY_BLOCK;
    }

    /**
     * Attention for all heads: {@code q, k, v} are {@code [seq][width]} with head {@code h} at columns
     * {@code h*headDim ..}, holding finished (biased, q scaled) queries, keys and values. Writes
     * {@code out [seq][width]} (heads concatenated).
     */
    void forward(WorkerPool pool, float[] q, float[] k, float[] v, float[] out) {
        forward(pool, q, zeros, 1f, k, zeros, v, zeros, out);
    }

    /**
     * Attention on raw projections: uses {@code (q + qBias) * qScale}, {@code k + kBias} and
     * {@code v + vBias} (biases of length {@code width}) without modifying the inputs. The biases are
     * applied while packing, which saves three passes over the activations.
     */
    void forward(WorkerPool pool, float[] q, float[] qBias, float qScale, float[] k, float[] kBias, float[] v,
            float[] vBias, float[] out) {
        pool.run(heads, h -> pack(h, k, kBias, v, vBias));
        pool.run(heads * queryBlocks, c -> {
            float[] s = scratch.pollFirst();
            if (s == null) {
                s = new float[scratchSize];
            }
            try {
                block(c / queryBlocks, (c % queryBlocks) * QUERY_BLOCK, q, qBias, qScale, out, s);
            } finally {
                scratch.offerFirst(s);
            }
        });
    }

    /**
     * Copies head {@code h}'s biased keys into groups of {@link #TK} keys, {@code [key group][dim][TK]},
     * and its biased values into tiles of {@link #TD} dimensions, {@code [dim tile][key][TD]} (a last
     * group or tile narrower when the sizes are not multiples), so that the micro-kernels read the
     * four keys of a dimension, or the four values of a key, side by side at an index that advances
     * by 4: C2 checks it once per loop. (With rows of {@code headDim} values the stride was a field,
     * and the {@code P v} loop kept two bounds checks per key.)
     */
    private void pack(int h, float[] k, float[] kBias, float[] v, float[] vBias) {
        int col = h * headDim;
        int base = h * headDim * seq;
        final float[] kk = kPacked;
        final float[] vv = vPacked;
        for (int j = 0; j < seq; j++) {
            int src = j * width + col;
            for (int d = 0; d < headDim; d++) {
                kk[keyIndex(base, j, d)] = k[src + d] + kBias[col + d];
                vv[valueIndex(base, d, j)] = v[src + d] + vBias[col + d];
            }
        }
    }

    /** Index of dimension {@code d} of key {@code j} in the head starting at {@code base}. */
    private int keyIndex(int base, int j, int d) {
        return tiledIndex(base, j, seq, d, headDim, TK);
    }

    /** Index of dimension {@code d} of value {@code j} in the head starting at {@code base}. */
    private int valueIndex(int base, int d, int j) {
        return tiledIndex(base, d, headDim, j, seq, TD);
    }

    /**
     * Index of element {@code (i, k)} of an {@code n x m} block at {@code base} stored in tiles of
     * {@code tile} along i, {@code [i tile][k][tile]}; the last tile is only {@code n - t0} wide
     * when n is not a multiple of {@code tile}.
     */
    private static int tiledIndex(int base, int i, int n, int k, int m, int tile) {
        int t0 = i / tile * tile;
        return base + t0 * m + k * Math.min(tile, n - t0) + (i - t0);
    }

    private void block(int h, int q0, float[] q, float[] qBias, float qScale, float[] out, float[] s) {
        final int qb = QUERY_BLOCK;
        int rows = Math.min(seq, q0 + qb) - q0;
        int col = h * headDim;
        // qT[d][i] = q[q0 + i][col + d]; lanes past the last query are zero (their results are dropped)
        for (int i = 0; i < qb; i++) {
            if (i < rows) {
                int src = (q0 + i) * width + col;
                for (int d = 0; d < headDim; d++) {
                    s[d * qb + i] = (q[src + d] + qBias[col + d]) * qScale;
                }
            } else {
                for (int d = 0; d < headDim; d++) {
                    s[d * qb + i] = 0f;
                }
            }
        }
        int base = h * headDim * seq;
        if (forceScalar) {
            scalarBlock(s, base);
        } else {
            int j = 0;
            for (int tiled = seq / TK * TK; j < tiled; j += TK) {
                scoreTile(s, keyIndex(base, j, 0), sOff + j * qb);
            }
            for (int last = seq - j; j < seq; j++) { // the keys of a narrower last group: one at a time
                scoreTile1(s, keyIndex(base, j, 0), last, sOff + j * qb);
            }
            softmax(s);
            for (int k0 = 0; k0 < seq; k0 += KEY_BLOCK) {
                int k1 = Math.min(seq, k0 + KEY_BLOCK);
                int d = 0;
                for (int tiled = headDim / TD * TD; d < tiled; d += TD) {
                    pvTile(s, valueIndex(base, d, 0), k0, k1, accOff + d * qb, k0 == 0);
                }
                for (int r = d; r < headDim; r++) { // the narrower last tile, one dimension at a time
                    pvTile1(s, valueIndex(base, r, 0), headDim - d, k0, k1, accOff + r * qb, k0 == 0);
                }
            }
        }
        for (int i = 0; i < rows; i++) {
            float inv = s[invOff + i];
            int o = (q0 + i) * width + col;
            for (int d = 0; d < headDim; d++) {
                out[o + d] = s[accOff + d * qb + i] * inv;
            }
        }
    }

    /** Scores of the 4 keys of the group at {@code kPacked[kp ..]} against all queries of the block. */
    private void scoreTile(float[] s, int kp, int outOff) {
        final int qb = QUERY_BLOCK;
        final int hd = headDim;
        final float[] kk = kPacked; // a local, as in pvTile
        // kk[kp + d * TK + c]: dimension d of key c of the group
        FloatVector a00 = FloatVector.zero(F), a01 = a00;
        FloatVector a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00;
        FloatVector a30 = a00, a31 = a00;
        for (int d = 0, qp = 0; d < hd; d++, qp += qb) {
            FloatVector q0 = FloatVector.fromArray(F, s, qp);
            FloatVector q1 = FloatVector.fromArray(F, s, qp + L);
            int kd = kp + d * TK;
            FloatVector b = FloatVector.broadcast(F, kk[kd]);
            a00 = q0.fma(b, a00);
            a01 = q1.fma(b, a01);
            b = FloatVector.broadcast(F, kk[kd + 1]);
            a10 = q0.fma(b, a10);
            a11 = q1.fma(b, a11);
            b = FloatVector.broadcast(F, kk[kd + 2]);
            a20 = q0.fma(b, a20);
            a21 = q1.fma(b, a21);
            b = FloatVector.broadcast(F, kk[kd + 3]);
            a30 = q0.fma(b, a30);
            a31 = q1.fma(b, a31);
        }
        int o = outOff;
        a00.intoArray(s, o);
        a01.intoArray(s, o + L);
        o += qb;
        a10.intoArray(s, o);
        a11.intoArray(s, o + L);
        o += qb;
        a20.intoArray(s, o);
        a21.intoArray(s, o + L);
        o += qb;
        a30.intoArray(s, o);
        a31.intoArray(s, o + L);
    }

    /** Scores of one key of a narrower last group ({@code stride} keys wide) against all queries of the block. */
    private void scoreTile1(float[] s, int kp, int stride, int outOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int d = 0, qp = 0; d < headDim; d++, qp += QUERY_BLOCK) {
            FloatVector b = FloatVector.broadcast(F, kPacked[kp + d * stride]);
            a0 = FloatVector.fromArray(F, s, qp).fma(b, a0);
            a1 = FloatVector.fromArray(F, s, qp + L).fma(b, a1);
        }
        a0.intoArray(s, outOff);
        a1.intoArray(s, outOff + L);
    }

    /** ln(2^-126): e^x for x above it is a normal float. */
    private static final float SMALLEST_NORMAL_EXP = -87.3365478515625f;

    /**
     * Per query (lane): {@code sT[j] = e^(sT[j] - max_j)} in place and {@code inv = 1 / sum_j}.
     *
     * <p>The exponential is {@link VectorMath#exp} written out in the loop: as a call it was
     * sometimes not inlined ("callee is too large"), which boxes every vector and made this loop
     * cost as much as the whole {@code q k^T} product. It differs in one way, to save four
     * operations per vector: {@code x - max} is clamped below at {@link #SMALLEST_NORMAL_EXP}, so
     * that 2^n is one normal power of two. Scores more than 87.3 below the row's largest then weigh
     * ~1e-38 instead of less or 0, which no float sum that contains 1 (the largest's weight) and no
     * output can show. The bits are VectorMath.exp's above that.
     */
    private void softmax(float[] s) {
        FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), m1 = m0;
        int end = sOff + seq * QUERY_BLOCK;
        for (int p = sOff; p < end; p += QUERY_BLOCK) {
            m0 = m0.max(FloatVector.fromArray(F, s, p));
            m1 = m1.max(FloatVector.fromArray(F, s, p + L));
        }
        // constants as vectors outside the loop (~15% faster than broadcasting scalars inside it);
        // no upper clamp: x - max <= 0
        FloatVector lo = FloatVector.broadcast(F, SMALLEST_NORMAL_EXP);
        FloatVector log2e = FloatVector.broadcast(F, VectorMath.LOG2E);
        FloatVector round = FloatVector.broadcast(F, VectorMath.ROUND);
        FloatVector ln2Hi = FloatVector.broadcast(F, -VectorMath.LN2_HI);
        FloatVector ln2Lo = FloatVector.broadcast(F, -VectorMath.LN2_LO);
        FloatVector c2 = FloatVector.broadcast(F, VectorMath.C2);
        FloatVector c3 = FloatVector.broadcast(F, VectorMath.C3);
        FloatVector c4 = FloatVector.broadcast(F, VectorMath.C4);
        FloatVector c5 = FloatVector.broadcast(F, VectorMath.C5);
        FloatVector c6 = FloatVector.broadcast(F, VectorMath.C6);
        FloatVector c7 = FloatVector.broadcast(F, VectorMath.C7);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector s0 = FloatVector.zero(F), s1 = s0;
        for (int p = sOff; p < end; p += QUERY_BLOCK) {
            FloatVector x0 = FloatVector.fromArray(F, s, p).sub(m0).max(lo);
            FloatVector x1 = FloatVector.fromArray(F, s, p + L).sub(m1).max(lo);
            FloatVector t0 = x0.fma(log2e, round);
            FloatVector t1 = x1.fma(log2e, round);
            FloatVector n0 = t0.sub(round);
            FloatVector n1 = t1.sub(round);
            FloatVector r0 = n0.fma(ln2Lo, n0.fma(ln2Hi, x0));
            FloatVector r1 = n1.fma(ln2Lo, n1.fma(ln2Hi, x1));
            FloatVector p0 = r0.fma(c7, c6).fma(r0, c5).fma(r0, c4).fma(r0, c3).fma(r0, c2).fma(r0, one).fma(r0, one);
            FloatVector p1 = r1.fma(c7, c6).fma(r1, c5).fma(r1, c4).fma(r1, c3).fma(r1, c2).fma(r1, one).fma(r1, one);
            // 2^n in one step: n >= -126 after the clamp, so the exponent field n + 127 is normal
            FloatVector e0 = p0.mul(t0.reinterpretAsInts().sub(VectorMath.ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector e1 = p1.mul(t1.reinterpretAsInts().sub(VectorMath.ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            e0.intoArray(s, p);
            e1.intoArray(s, p + L);
            s0 = s0.add(e0);
            s1 = s1.add(e1);
        }
        one.div(s0).intoArray(s, invOff);
        one.div(s1).intoArray(s, invOff + L);
    }

    /**
     * Adds keys {@code [k0, k1)} of {@code sum_j e_ij v_j[d]} for the 4 head dimensions of the value
     * tile at {@code vp0} to {@code accT[d..d+3][all queries]}.
     */
    private void pvTile(float[] s, int vp0, int k0, int k1, int acc, boolean first) {
        final int qb = QUERY_BLOCK;
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
            a00 = FloatVector.fromArray(F, s, acc);
            a01 = FloatVector.fromArray(F, s, acc + L);
            a10 = FloatVector.fromArray(F, s, acc + qb);
            a11 = FloatVector.fromArray(F, s, acc + qb + L);
            a20 = FloatVector.fromArray(F, s, acc + 2 * qb);
            a21 = FloatVector.fromArray(F, s, acc + 2 * qb + L);
            a30 = FloatVector.fromArray(F, s, acc + 3 * qb);
            a31 = FloatVector.fromArray(F, s, acc + 3 * qb + L);
        }
        // fields read into locals: C2 otherwise reloads them (and the object) in every iteration
        final int so = sOff;
        final float[] vv = vPacked;
        for (int j = k0; j < k1; j++) {
            int pp = so + j * qb;
            int vp = vp0 + j * TD;
            FloatVector p0 = FloatVector.fromArray(F, s, pp);
            FloatVector p1 = FloatVector.fromArray(F, s, pp + L);
            FloatVector b = FloatVector.broadcast(F, vv[vp]);
            a00 = p0.fma(b, a00);
            a01 = p1.fma(b, a01);
            b = FloatVector.broadcast(F, vv[vp + 1]);
            a10 = p0.fma(b, a10);
            a11 = p1.fma(b, a11);
            b = FloatVector.broadcast(F, vv[vp + 2]);
            a20 = p0.fma(b, a20);
            a21 = p1.fma(b, a21);
            b = FloatVector.broadcast(F, vv[vp + 3]);
            a30 = p0.fma(b, a30);
            a31 = p1.fma(b, a31);
        }
        a00.intoArray(s, acc);
        a01.intoArray(s, acc + L);
        a10.intoArray(s, acc + qb);
        a11.intoArray(s, acc + qb + L);
        a20.intoArray(s, acc + 2 * qb);
        a21.intoArray(s, acc + 2 * qb + L);
        a30.intoArray(s, acc + 3 * qb);
        a31.intoArray(s, acc + 3 * qb + L);
    }

    /** {@link #pvTile} for one head dimension of a value tile {@code stride} dimensions wide (remainder dimensions). */
    private void pvTile1(float[] s, int vp0, int stride, int k0, int k1, int acc, boolean first) {
        FloatVector a0 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, s, acc);
        FloatVector a1 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, s, acc + L);
        for (int j = k0, pp = sOff + k0 * QUERY_BLOCK, vp = vp0 + k0 * stride; j < k1; j++, pp += QUERY_BLOCK, vp += stride) {
            FloatVector b = FloatVector.broadcast(F, vPacked[vp]);
            a0 = FloatVector.fromArray(F, s, pp).fma(b, a0);
            a1 = FloatVector.fromArray(F, s, pp + L).fma(b, a1);
        }
        a0.intoArray(s, acc);
        a1.intoArray(s, acc + L);
    }

    /** The whole block with plain scalar loops over the same layouts (reference path for tests). */
    private void scalarBlock(float[] s, int base) {
        final int qb = QUERY_BLOCK;
        for (int i = 0; i < qb; i++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < seq; j++) {
                float acc = 0f;
                for (int d = 0; d < headDim; d++) {
                    acc += s[d * qb + i] * kPacked[keyIndex(base, j, d)];
                }
                s[sOff + j * qb + i] = acc;
                max = Math.max(max, acc);
            }
            float sum = 0f;
            for (int j = 0; j < seq; j++) {
                float e = (float) Math.exp(s[sOff + j * qb + i] - max);
                s[sOff + j * qb + i] = e;
                sum += e;
            }
            s[invOff + i] = 1f / sum;
            for (int d = 0; d < headDim; d++) {
                float acc = 0f;
                for (int j = 0; j < seq; j++) {
                    acc += s[sOff + j * qb + i] * vPacked[valueIndex(base, d, j)];
                }
                s[accOff + d * qb + i] = acc;
            }
        }
    }
}
