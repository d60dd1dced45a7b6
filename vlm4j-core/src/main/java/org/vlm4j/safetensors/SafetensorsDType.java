package org.vlm4j.safetensors;

/**
 * The element types a safetensors header may name. All are recognised so that a checkpoint with,
 * say, an integer buffer still opens; only {@link #F32}, {@link #F16} and {@link #BF16} can be read
 * as floats ({@link #isFloat()}), which is all that model weights need.
 */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4), F64(8), I64(8), U64(8);

    private final int size;

    SafetensorsDType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** Whether {@link SafetensorsTensor#readFloats} can read this type. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type spelled {@code name} in a header, or null when the name is unknown. */
    public static SafetensorsDType byName(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
