package org.vlm4j.model.qwen3;

/**
 * {@link KvCache} in IEEE half precision (as llama.cpp's default cache): half the memory and half
 * the bytes read per decoded token, at the cost of rounding keys and values to 11 significant bits.
 * Blocks are widened to f32 in the worker's scratch before the f32 attention kernels use them.
 */
final class F16KvCache extends KvCache {
    private final short[][] keys;   // [kvHead][headDim][paddedCapacity]
    private final short[][] values; // [kvHead][capacity][headDim]

    F16KvCache(int layers, int capacity, int kvHeads, int headDim) {
        super(layers, capacity, kvHeads, headDim);
        keys = new short[layers][paddedCapacity * kvDim];
        values = new short[layers][capacity * kvDim];
    }

    @Override
    void store(int layer, int pos, int n, float[] k, int kOff, float[] v, int vOff) {
        short[] kl = keys[layer];
        short[] vl = values[layer];
        for (int h = 0; h < kvHeads; h++) {
            int src = h * headDim;
            for (int d = 0; d < headDim; d++) {
                int dst = (h * headDim + d) * paddedCapacity + pos;
                int si = kOff + src + d;
                for (int t = 0; t < n; t++, si += kvDim) {
                    kl[dst + t] = Float.floatToFloat16(k[si]);
                }
            }
            for (int t = 0; t < n; t++) {
                int so = vOff + t * kvDim + src;
                int vo = (h * capacity + pos + t) * headDim;
                for (int d = 0; d < headDim; d++) {
                    vl[vo + d] = Float.floatToFloat16(v[so + d]);
                }
            }
        }
    }

    @Override
    void keyBlock(int layer, int kvHead, int jb, int nk, Scratch sc) {
        short[] kl = keys[layer];
        int l = AttentionKernels.L;
        int width = (nk + l - 1) / l * l;
        float[] dst = sc.kt;
        int base = kvHead * headDim * paddedCapacity + jb;
        for (int d = 0; d < headDim; d++) {
            int so = base + d * paddedCapacity;
            int o = d * KEY_BLOCK;
            for (int j = 0; j < width; j++) {
                dst[o + j] = Float.float16ToFloat(kl[so + j]);
            }
        }
        sc.src = dst;
        sc.srcOff = 0;
        sc.srcStride = KEY_BLOCK;
    }

    @Override
    void valueBlock(int layer, int kvHead, int jb, int nk, Scratch sc) {
        short[] vl = values[layer];
        float[] dst = sc.v;
        int so = (kvHead * capacity + jb) * headDim;
        int n = nk * headDim;
        for (int i = 0; i < n; i++) {
            dst[i] = Float.float16ToFloat(vl[so + i]);
        }
        sc.src = dst;
        sc.srcOff = 0;
        sc.srcStride = headDim;
    }

    @Override
    long byteSize() {
        return ((long) paddedCapacity + capacity) * layers * kvDim * Short.BYTES;
    }
}
