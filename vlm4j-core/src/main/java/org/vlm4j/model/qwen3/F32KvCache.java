package org.vlm4j.model.qwen3;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link KvCache} in float32: exact with respect to the computed keys and values. Blocks are copied
 * into the worker's scratch with bulk copies before the f32 attention kernels read them.
 */
final class F32KvCache extends KvCache {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    F32KvCache(int layers, int capacity, int kvHeads, int headDim) {
        super(layers, capacity, kvHeads, headDim, Float.BYTES);
    }

    @Override
    void storeInPage(MemorySegment page, int pw, int slot, int n, float[] k, int kOff, float[] v, int vOff) {
        long values = valuesOffset(pw);
        for (int h = 0; h < kvHeads; h++) {
            int src = h * headDim;
            // keys transposed: for each dimension the n positions are consecutive
            for (int d = 0; d < headDim; d++) {
                long dst = ((long) (h * headDim + d) * pw + slot) * Float.BYTES;
                int si = kOff + src + d;
                for (int t = 0; t < n; t++, si += kvDim) {
                    page.set(F, dst + (long) t * Float.BYTES, k[si]);
                }
            }
            for (int t = 0; t < n; t++) {
                long dst = values + ((long) h * pw + slot + t) * headDim * Float.BYTES;
                MemorySegment.copy(v, vOff + t * kvDim + src, page, F, dst, headDim);
            }
        }
    }

    @Override
    void load(MemorySegment page, long offset, float[] dst, int dstOff, int n) {
        MemorySegment.copy(page, F, offset, dst, dstOff, n);
    }
}
