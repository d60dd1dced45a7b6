package org.vlm4j.model.qwen3;

/**
 * Element type of the key/value cache. F32 is exact with respect to the computed keys and values
 * (and is what the llama.cpp goldens used); F16 halves memory and the bytes read per decoded
 * token, which dominate decoding at long contexts; it is what the front ends (CLI, server,
 * {@code LoadOptions.DEFAULTS}) use unless told otherwise, as llama.cpp does.
 */
public enum KvCacheType {
    /** 4 bytes per value; exact. */
    F32(4),
    /** 2 bytes per value (IEEE half), like llama.cpp's default cache: half the memory and traffic. */
    F16(2);

    private final int bytesPerValue;

    KvCacheType(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    public int bytesPerValue() {
        return bytesPerValue;
    }
}
