package org.vlm4j.model.qwen3;

/**
 * Storage of the attention keys and values of one sequence, layout {@code [layer][pos][kvHead][headDim]}
 * for K and V separately. The forward pass only talks to this class - writing one position's rows
 * and asking for the attention of a group of query heads - so the storage type (F32 now, F16 later)
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
            case F16 -> new F16KvCache(layers, capacity, kvHeads, headDim);
        };
    }

    /** Stores the {@code kvDim} key and value values of position {@code pos} of {@code layer}. */
    abstract void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff);

    /**
     * Causal attention of the {@code group} query heads that share {@code kvHead}, over positions
     * {@code [0, n)}: for each head g, {@code out_g = softmax(scale * q_g . K) . V} with the query at
     * {@code q[qOff + g * headDim ..]} and the result written to {@code out[outOff + g * headDim ..]}.
     * The heads of a group are processed together so every key/value row is read from memory once.
     *
     * @param scores scratch of at least {@link #scratchFloats scratchFloats(group, n)} floats
     */
    abstract void attend(int layer, int kvHead, float[] q, int qOff, int group, int n, float scale, float[] scores,
            float[] out, int outOff);

    /** Scratch floats {@link #attend} needs for a group of {@code group} heads over {@code n} positions. */
    int scratchFloats(int group, int n) {
        return group * n;
    }

    /** Bytes of storage held. */
    abstract long byteSize();
}
