package org.vlm4j.model.qwen3;

/** {@link KvCache} in float32 heap arrays, one key and one value array per layer; exact. */
final class F32KvCache extends KvCache {
    private final float[][] keys;   // [kvHead][headDim][paddedCapacity]
    private final float[][] values; // [kvHead][capacity][headDim]

    F32KvCache(int layers, int capacity, int kvHeads, int headDim) {
        super(layers, capacity, kvHeads, headDim);
        keys = new float[layers][paddedCapacity * kvDim];
        values = new float[layers][capacity * kvDim];
    }

    @Override
    void store(int layer, int pos, int n, float[] k, int kOff, float[] v, int vOff) {
        float[] kl = keys[layer];
        float[] vl = values[layer];
        for (int h = 0; h < kvHeads; h++) {
            int src = h * headDim;
            // keys transposed: for each dimension the n positions are consecutive
            for (int d = 0; d < headDim; d++) {
                int dst = (h * headDim + d) * paddedCapacity + pos;
                int si = kOff + src + d;
                for (int t = 0; t < n; t++, si += kvDim) {
                    kl[dst + t] = k[si];
                }
            }
            for (int t = 0; t < n; t++) {
                System.arraycopy(v, vOff + t * kvDim + src, vl, (h * capacity + pos + t) * headDim, headDim);
            }
        }
    }

    @Override
    void keyBlock(int layer, int kvHead, int jb, int nk, Scratch sc) {
        sc.src = keys[layer];
        sc.srcOff = kvHead * headDim * paddedCapacity + jb;
        sc.srcStride = paddedCapacity;
    }

    @Override
    void valueBlock(int layer, int kvHead, int jb, int nk, Scratch sc) {
        sc.src = values[layer];
        sc.srcOff = (kvHead * capacity + jb) * headDim;
        sc.srcStride = headDim;
    }

    @Override
    long byteSize() {
        return ((long) paddedCapacity + capacity) * layers * kvDim * Float.BYTES;
    }
}
