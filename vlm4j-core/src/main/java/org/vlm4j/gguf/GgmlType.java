package org.vlm4j.gguf;

/**
 * GGML tensor element types, with their numeric ids in GGUF and their block layout.
 *
 * <p>Block-quantized types store {@link #blockSize()} elements in {@link #typeSize()} bytes. Ids and
 * sizes are GGML's ({@code ggml.h}, {@code ggml-common.h}); a GGUF tensor's byte size is
 * {@code ne[0]/blockSize * typeSize * ne[1] * ...}, and {@code ne[0]} must be a multiple of the
 * block size.
 *
 * <p>vlm4j computes with F32, F16, BF16, Q8_0 and Q4_0. The other types are known so that files
 * containing them can be read and described ({@code vlm4j info}) and rejected with a precise
 * message when a model needs them.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    /** 32 values: f16 scale d, 16 bytes of 4-bit quants; value = (nibble - 8) * d. */
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, false),
    Q5_0(6, 32, 22, false),
    Q5_1(7, 32, 24, false),
    /** 32 values: f16 scale d, 32 signed bytes; value = q * d. */
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, false),
    Q5_K(13, 256, 176, false),
    Q6_K(14, 256, 210, false),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    /** bfloat16: the upper 16 bits of an IEEE float32. */
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;
    private final boolean computable;

    GgmlType(int id, int blockSize, int typeSize, boolean computable) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.computable = computable;
    }

    /** The type id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** Whether vlm4j's kernels can compute with this type. */
    public boolean isComputable() {
        return computable;
    }

    /** Whether this is a block-quantized type (as opposed to a plain element type). */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes taken by {@code elements} values of this type.
     *
     * @throws IllegalArgumentException if {@code elements} is not a multiple of the block size
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a multiple of the " + name() + " block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }

    /** The type with GGUF id {@code id}, or null if vlm4j does not know it. */
    public static GgmlType fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
