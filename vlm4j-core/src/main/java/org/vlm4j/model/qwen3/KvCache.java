package org.vlm4j.model.qwen3;

import org.vlm4j.tensor.Ops;

/**
 * Storage of the attention keys and values of one sequence, and the attention computed over them.
 * The forward pass only stores one position's rows and asks for the attention of a group of query
 * heads, so the storage type (F32, F16) and layout stay private to the implementations.
 *
 * <p>Layout per layer: keys transposed, {@code [kvHead][headDim][position]} (padded to a multiple of
 * the key tile), so score vectors run along positions; values {@code [kvHead][position][headDim]},
 * so one position's value row is contiguous. Attention is computed in blocks of
 * {@link #KEY_BLOCK} positions: an implementation only has to hand out f32 views of a key block and
 * a value block ({@link #keyBlock}, {@link #valueBlock}).
 */
abstract class KvCache {
    /** Positions per attention block. */
    static final int KEY_BLOCK = 256;

    final int layers;
    final int capacity;
    final int kvHeads;
    final int headDim;
    final int kvDim;
    /** Key row length: capacity rounded up to the scores tile. */
    final int paddedCapacity;

    KvCache(int layers, int capacity, int kvHeads, int headDim) {
        this.layers = layers;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        int tile = AttentionKernels.KEY_TILE;
        this.paddedCapacity = (capacity + tile - 1) / tile * tile;
        if ((long) paddedCapacity * kvDim > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("context " + capacity + " x " + kvDim + " key values per layer is too large");
        }
    }

    static KvCache create(KvCacheType type, int layers, int capacity, int kvHeads, int headDim) {
        return switch (type) {
            case F32 -> new F32KvCache(layers, capacity, kvHeads, headDim);
            case F16 -> new F16KvCache(layers, capacity, kvHeads, headDim);
        };
    }

    /**
     * Stores the keys and values of positions {@code pos .. pos + n - 1} of {@code layer}: position
     * {@code pos + t} takes the {@code kvDim} values at {@code k[kOff + t * kvDim]} and
     * {@code v[vOff + t * kvDim]}.
     */
    abstract void store(int layer, int pos, int n, float[] k, int kOff, float[] v, int vOff);

    /** Stores one position. */
    final void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        store(layer, pos, 1, k, kOff, v, vOff);
    }

    /** Bytes of storage held. */
    abstract long byteSize();

    /**
     * Points {@code sc.src/srcOff/srcStride} at f32 keys of positions {@code [jb, jb + nk)} of one
     * kv head, transposed: key {@code j}, dimension {@code d} at {@code src[srcOff + d * srcStride + j]},
     * readable for {@code j < nk} rounded up to a vector.
     */
    abstract void keyBlock(int layer, int kvHead, int jb, int nk, Scratch sc);

    /**
     * Points {@code sc.src/srcOff/srcStride} at f32 values of positions {@code [jb, jb + nk)}: value
     * {@code j}, dimension {@code d} at {@code src[srcOff + j * srcStride + d]}.
     */
    abstract void valueBlock(int layer, int kvHead, int jb, int nk, Scratch sc);

    /** Per-thread scratch for {@link #attend} with up to {@code maxRows} query rows. */
    Scratch newScratch(int maxRows) {
        return new Scratch(maxRows, headDim, paddedCapacity);
    }

    /**
     * Causal attention of {@code tokens} consecutive query tokens (positions {@code p0 ..
     * p0 + tokens - 1}, token {@code t} seeing positions {@code [0, p0 + t]}) for the {@code group}
     * query heads that share {@code kvHead}: {@code out = softmax(scale * q . K^T) . V}, softmax in
     * f32. The query of token t, head g is at {@code q[qOff + t * qStride + g * headDim]}; its output
     * goes to {@code out[outOff + t * outStride + g * headDim]}.
     */
    final void attend(int layer, int kvHead, int p0, int tokens, int group, float scale, float[] q, int qOff, int qStride,
            float[] out, int outOff, int outStride, Scratch sc) {
        int hd = headDim;
        int rows = tokens * group;
        int nMax = p0 + tokens;
        float[] qp = sc.q;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < group; g++) {
                int src = qOff + t * qStride + g * hd;
                int dst = (t * group + g) * hd;
                for (int d = 0; d < hd; d++) {
                    qp[dst + d] = q[src + d] * scale;
                }
            }
        }
        float[] s = sc.s;
        int ss = sc.sStride;
        int l = AttentionKernels.L;
        for (int jb = 0; jb < nMax; jb += KEY_BLOCK) {
            int nk = Math.min(KEY_BLOCK, nMax - jb);
            keyBlock(layer, kvHead, jb, nk, sc);
            AttentionKernels.scores(qp, rows, hd, sc.src, sc.srcOff, sc.srcStride, (nk + l - 1) / l * l, s, jb, ss);
        }
        for (int t = 0; t < tokens; t++) {
            int n = p0 + t + 1;
            for (int g = 0; g < group; g++) {
                int o = (t * group + g) * ss;
                Ops.softmax(s, o, n);
                java.util.Arrays.fill(s, o + n, o + nMax, 0f);
            }
        }
        float[] acc = sc.o;
        java.util.Arrays.fill(acc, 0, rows * hd, 0f);
        for (int jb = 0; jb < nMax; jb += KEY_BLOCK) {
            int nk = Math.min(KEY_BLOCK, nMax - jb);
            valueBlock(layer, kvHead, jb, nk, sc);
            AttentionKernels.accumulate(s, jb, ss, rows, nk, sc.src, sc.srcOff, sc.srcStride, acc, hd);
        }
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < group; g++) {
                System.arraycopy(acc, (t * group + g) * hd, out, outOff + t * outStride + g * hd, hd);
            }
        }
    }

    /** Scratch buffers of one attention worker, and the block view handed out by the cache. */
    static final class Scratch {
        final float[] q;
        final float[] s;
        final int sStride;
        final float[] o;
        final float[] kt;
        final float[] v;
        float[] src;
        int srcOff;
        int srcStride;

        Scratch(int maxRows, int headDim, int paddedCapacity) {
            q = new float[maxRows * headDim];
            sStride = paddedCapacity;
            s = new float[maxRows * paddedCapacity];
            o = new float[maxRows * headDim];
            kt = new float[headDim * KEY_BLOCK];
            v = new float[KEY_BLOCK * headDim];
        }
    }
}
