package org.vlm4j.model.qwen3;

/**
 * Storage of the attention keys and values of one sequence, layout {@code [layer][pos][kvHead][headDim]}
 * for K and V separately. The forward pass only talks to this class - writing one position's rows
 * and asking for attention scores and weighted value sums - so the storage type (F32 now, F16 later)
 * stays private to the implementation.
 */
abstract class KvCache {
    final int layers;
    final int capacity;
    final int kvHeads;
    final int headDim;
    final int kvDim;

    KvCache(int layers, int capacity, int kvHeads, int headDim) {
        this.layers = layers;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
    }

    static KvCache create(KvCacheType type, int layers, int capacity, int kvHeads, int headDim) {
        return switch (type) {
            case F32 -> new F32KvCache(layers, capacity, kvHeads, headDim);
        };
    }

    /** Stores the {@code kvDim} key and value values of position {@code pos} of {@code layer}. */
    abstract void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff);

    /**
     * {@code out[outOff + j] = scale * (q[qOff ..] . K[layer][j][kvHead])} for {@code j} in
     * {@code [0, n)}.
     */
    abstract void scores(int layer, int kvHead, float[] q, int qOff, int n, float scale, float[] out, int outOff);

    /**
     * {@code out[outOff .. +headDim) = sum_j p[pOff + j] * V[layer][j][kvHead]} for {@code j} in
     * {@code [0, n)} (overwrites {@code out}).
     */
    abstract void weightedSum(int layer, int kvHead, float[] p, int pOff, int n, float[] out, int outOff);

    /** Bytes of storage held. */
    abstract long byteSize();
}
