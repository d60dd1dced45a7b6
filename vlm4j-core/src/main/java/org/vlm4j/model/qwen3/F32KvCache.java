package org.vlm4j.model.qwen3;

import org.vlm4j.tensor.Ops;

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
    void attend(int layer, int kvHead, float[] q, int qOff, int group, int n, float scale, float[] scores,
            float[] out, int outOff) {
        float[] kl = keys[layer];
        float[] vl = values[layer];
        int base = kvHead * headDim;
        // scores: each key row is loaded once and used by every head of the group
        for (int j = 0, row = base; j < n; j++, row += kvDim) {
            for (int g = 0; g < group; g++) {
                scores[g * n + j] = scale * VecMath.dot(q, qOff + g * headDim, kl, row, headDim);
            }
        }
        for (int g = 0; g < group; g++) {
            Ops.softmax(scores, g * n, n);
        }
        java.util.Arrays.fill(out, outOff, outOff + group * headDim, 0f);
        for (int j = 0, row = base; j < n; j++, row += kvDim) {
            for (int g = 0; g < group; g++) {
                VecMath.axpy(scores[g * n + j], vl, row, out, outOff + g * headDim, headDim);
            }
        }
    }

    @Override
    long byteSize() {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }
}
