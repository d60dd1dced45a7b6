package org.vlm4j.model.qwen3;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.tensor.TypeKernels;

/**
 * {@link KvCache} in IEEE half precision (as llama.cpp's default cache): half the memory and half
 * the bytes read per decoded token, at the cost of rounding keys and values to 11 significant bits.
 * Blocks are widened to f32 in the worker's scratch (with the F16 weight kernels' conversion, which
 * uses the hardware instruction where there is one) before the f32 attention kernels use them.
 */
final class F16KvCache extends KvCache {
    /** Little-endian, as the F16 weight kernels read it. */
    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final TypeKernels WIDEN = TypeKernels.of(GgmlType.F16);

    F16KvCache(int layers, int capacity, int kvHeads, int headDim) {
        super(layers, capacity, kvHeads, headDim, Short.BYTES);
    }

    @Override
    void storeKeyRow(MemorySegment page, int pw, int slot, int kvHead, float[] k, int off) {
        long dst = keyOffset(pw, kvHead, slot, 0) * Short.BYTES;
        long step = (long) AttentionKernels.KEY_TILE * Short.BYTES; // one dimension to the next: a tile row
        for (int d = 0; d < headDim; d++) {
            page.set(H, dst + d * step, Float.floatToFloat16(k[off + d]));
        }
    }

    @Override
    void storeValueRow(MemorySegment page, int pw, int slot, int kvHead, float[] v, int off) {
        long dst = valueOffset(pw, slot, kvHead);
        for (int d = 0; d < headDim; d++) {
            page.set(H, dst + (long) d * Short.BYTES, Float.floatToFloat16(v[off + d]));
        }
    }

    @Override
    void load(MemorySegment page, long offset, float[] dst, int dstOff, int n) {
        WIDEN.dequantize(page, offset, dst, dstOff, n);
    }
}
