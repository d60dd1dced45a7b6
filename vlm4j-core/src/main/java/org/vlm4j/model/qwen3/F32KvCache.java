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
    void storeKeyRow(MemorySegment page, int pw, int slot, int kvHead, float[] k, int off) {
        long dst = keyOffset(pw, kvHead, slot, 0) * Float.BYTES;
        long step = (long) AttentionKernels.KEY_TILE * Float.BYTES; // one dimension to the next: a tile row
        for (int d = 0; d < headDim; d++) {
            page.set(F, dst + d * step, k[off + d]);
        }
    }

    @Override
    void storeValueRow(MemorySegment page, int pw, int slot, int kvHead, float[] v, int off) {
        MemorySegment.copy(v, off, page, F, valueOffset(pw, slot, kvHead), headDim);
    }

    @Override
    void load(MemorySegment page, long offset, float[] dst, int dstOff, int n) {
        MemorySegment.copy(page, F, offset, dst, dstOff, n);
    }
}
