package org.vlm4j.model.qwen3;

/** {@link KvCache} in float32 heap arrays, one K and one V array per layer. */
final class F32KvCache extends KvCache {
    private final float[][] keys;
    private final float[][] values;

    F32KvCache(int layers, int capacity, int kvHeads, int headDim) {
        super(layers, capacity, kvHeads, headDim);
        long perLayer = (long) capacity * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("context " + capacity + " x " + kvDim + " key values per layer is too large");
        }
        keys = new float[layers][(int) perLayer];
        values = new float[layers][(int) perLayer];
    }

    @Override
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int o = pos * kvDim;
        System.arraycopy(k, kOff, keys[layer], o, kvDim);
        System.arraycopy(v, vOff, values[layer], o, kvDim);
    }

    @Override
    void scores(int layer, int kvHead, float[] q, int qOff, int n, float scale, float[] out, int outOff) {
        float[] kl = keys[layer];
        int base = kvHead * headDim;
        for (int j = 0; j < n; j++) {
            out[outOff + j] = scale * VecMath.dot(q, qOff, kl, base + j * kvDim, headDim);
        }
    }

    @Override
    void weightedSum(int layer, int kvHead, float[] p, int pOff, int n, float[] out, int outOff) {
        float[] vl = values[layer];
        int base = kvHead * headDim;
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int j = 0; j < n; j++) {
            VecMath.axpy(p[pOff + j], vl, base + j * kvDim, out, outOff, headDim);
        }
    }

    @Override
    long byteSize() {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }
}
