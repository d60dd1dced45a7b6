package org.vlm4j.model.qwen3;

/**
 * Element type of the key/value cache. F32 is exact with respect to the computed keys and values
 * (and is what the llama.cpp goldens used); a half-precision option can be added as another
 * {@link KvCache} implementation without touching the forward pass.
 */
public enum KvCacheType {
    /** 4 bytes per value. */
    F32(4);

    private final int bytesPerValue;

    KvCacheType(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    public int bytesPerValue() {
        return bytesPerValue;
    }
}
