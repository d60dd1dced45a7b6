package org.vlm4j.model.qwen3;

import org.vlm4j.tensor.Ops;

/**
 * {@link KvCache} in IEEE half precision (as llama.cpp's default cache): half the memory and half
 * the bytes read per decoded token, at the cost of rounding keys and values to 11 significant bits.
 * Rows are widened to f32 one at a time into a small scratch buffer and then used by every query
 * head of the group.
 */
final class F16KvCache extends KvCache {
    private final short[][] keys;
    private final short[][] values;

    F16KvCache(int layers, int capacity, int kvHeads, int headDim) {
        super(layers, capacity, kvHeads, headDim);
        long perLayer = (long) capacity * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("context " + capacity + " x " + kvDim + " key values per layer is too large");
        }
        keys = new short[layers][(int) perLayer];
        values = new short[layers][(int) perLayer];
    }

    @Override
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        short[] kl = keys[layer];
        short[] vl = values[layer];
        int o = pos * kvDim;
        for (int i = 0; i < kvDim; i++) {
            kl[o + i] = Float.floatToFloat16(k[kOff + i]);
            vl[o + i] = Float.floatToFloat16(v[vOff + i]);
        }
    }

    @Override
    int scratchFloats(int group, int n) {
        return group * n + headDim;
    }

    @Override
    void attend(int layer, int kvHead, float[] q, int qOff, int group, int n, float scale, float[] scores,
            float[] out, int outOff) {
        short[] kl = keys[layer];
        short[] vl = values[layer];
        int base = kvHead * headDim;
        int rowBuf = group * n; // one widened row after the scores
        for (int j = 0, row = base; j < n; j++, row += kvDim) {
            widen(kl, row, scores, rowBuf);
            for (int g = 0; g < group; g++) {
                scores[g * n + j] = scale * VecMath.dot(q, qOff + g * headDim, scores, rowBuf, headDim);
            }
        }
        for (int g = 0; g < group; g++) {
            Ops.softmax(scores, g * n, n);
        }
        java.util.Arrays.fill(out, outOff, outOff + group * headDim, 0f);
        for (int j = 0, row = base; j < n; j++, row += kvDim) {
            widen(vl, row, scores, rowBuf);
            for (int g = 0; g < group; g++) {
                VecMath.axpy(scores[g * n + j], scores, rowBuf, out, outOff + g * headDim, headDim);
            }
        }
    }

    private void widen(short[] src, int off, float[] dst, int dstOff) {
        for (int i = 0; i < headDim; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[off + i]);
        }
    }

    @Override
    long byteSize() {
        return 2L * layers * capacity * kvDim * Short.BYTES;
    }
}
