package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import org.vlm4j.gguf.GgmlType;

/**
 * Converts f32 values to the stored weight types, bit for bit as GGML's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}, {@code ggml_compute_fp32_to_bf16},
 * IEEE round-to-nearest-even f16), so that a tensor quantized here has the same bytes as the one
 * {@code llama-quantize} writes (tested against {@code tiny-q8_0.gguf}). Used by tests and tools
 * (quantizing weights at load, building small matrices); the hot activation quantizer of the
 * int8 matrix-vector path is {@link QuantizedActivations}, which follows GGML's SIMD rounding
 * instead.
 *
 * <p>Rules per block of 32:
 * <ul>
 *   <li>Q8_0: {@code amax = max|x|}, {@code d = amax / 127}, {@code id = d != 0 ? 1/d : 0},
 *       {@code q = roundf(x * id)} (half away from zero), {@code d} stored as f16;</li>
 *   <li>Q4_0: {@code max} = the value of largest magnitude (the first one on ties), with its
 *       sign; {@code d = max / -8}, {@code id = d != 0 ? 1/d : 0},
 *       {@code q = min(15, (int) (x * id + 8.5f))} (truncation); byte j holds element j in its
 *       low nibble and element j + 16 in its high nibble.</li>
 * </ul>
 * All arithmetic is in float, as in C, so results match bit for bit.
 */
public final class Quantizer {
    private Quantizer() {}

    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK = 32;

    /** Writes {@code n} values (a multiple of 32) as Q8_0 blocks (34 bytes each) at {@code dst[dstOff]}. */
    public static void quantizeQ8_0(float[] src, int off, int n, MemorySegment dst, long dstOff) {
        check(src, off, n, BLOCK, dst, dstOff, GgmlType.Q8_0);
        for (int b = 0; b < n / BLOCK; b++) {
            int o = off + b * BLOCK;
            long bo = dstOff + 34L * b;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float a = Math.abs(src[o + j]);
                if (a > amax) {
                    amax = a;
                }
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(S16, bo, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, bo + 2 + j, (byte) roundHalfAway(src[o + j] * id));
            }
        }
    }

    /** Writes {@code n} values (a multiple of 32) as Q4_0 blocks (18 bytes each) at {@code dst[dstOff]}. */
    public static void quantizeQ4_0(float[] src, int off, int n, MemorySegment dst, long dstOff) {
        check(src, off, n, BLOCK, dst, dstOff, GgmlType.Q4_0);
        for (int b = 0; b < n / BLOCK; b++) {
            int o = off + b * BLOCK;
            long bo = dstOff + 18L * b;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[o + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(S16, bo, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK / 2; j++) {
                int lo = Math.min(15, (int) (src[o + j] * id + 8.5f));
                int hi = Math.min(15, (int) (src[o + j + 16] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, bo + 2 + j, (byte) (lo | (hi << 4)));
            }
        }
    }

    /** C's {@code roundf} (ties away from zero), exact for every float (the sum is done in double). */
    static int roundHalfAway(float x) {
        double r = Math.floor(Math.abs((double) x) + 0.5);
        return (int) (x < 0 ? -r : r);
    }

    /** f32 to IEEE binary16, round to nearest even (GGML's {@code GGML_FP32_TO_FP16}). */
    public static short toF16(float f) {
        return Float.floatToFloat16(f);
    }

    /**
     * f32 to bfloat16 like GGML's {@code ggml_compute_fp32_to_bf16}: round to nearest even on the
     * upper 16 bits; NaNs keep their sign and top payload bits and are made quiet.
     */
    public static short toBF16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7FFF + ((u >>> 16) & 1))) >>> 16);
    }

    /** Writes {@code n} values as little-endian F16 at {@code dst[dstOff]}. */
    public static void toF16(float[] src, int off, int n, MemorySegment dst, long dstOff) {
        check(src, off, n, 1, dst, dstOff, GgmlType.F16);
        for (int i = 0; i < n; i++) {
            dst.set(S16, dstOff + 2L * i, Float.floatToFloat16(src[off + i]));
        }
    }

    /** Writes {@code n} values as little-endian BF16 at {@code dst[dstOff]}. */
    public static void toBF16(float[] src, int off, int n, MemorySegment dst, long dstOff) {
        check(src, off, n, 1, dst, dstOff, GgmlType.BF16);
        for (int i = 0; i < n; i++) {
            dst.set(S16, dstOff + 2L * i, toBF16(src[off + i]));
        }
    }

    /** Writes {@code n} values in {@code type} (F32, F16, BF16, Q8_0 or Q4_0) at {@code dst[dstOff]}. */
    public static void quantize(GgmlType type, float[] src, int off, int n, MemorySegment dst, long dstOff) {
        switch (type) {
            case F32 -> {
                check(src, off, n, 1, dst, dstOff, type);
                MemorySegment.copy(src, off, dst, F32, dstOff, n);
            }
            case F16 -> toF16(src, off, n, dst, dstOff);
            case BF16 -> toBF16(src, off, n, dst, dstOff);
            case Q8_0 -> quantizeQ8_0(src, off, n, dst, dstOff);
            case Q4_0 -> quantizeQ4_0(src, off, n, dst, dstOff);
            default -> throw new UnsupportedOperationException("cannot quantize to " + type);
        }
    }

    /**
     * A {@code rows x cols} weight matrix of {@code type} holding {@code values} (row-major)
     * converted as above, in a fresh heap segment. For tests and small tensors.
     */
    public static WeightMatrix toMatrix(String name, GgmlType type, float[] values, int rows, int cols) {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for " + rows + "x" + cols);
        }
        long bytes = type.byteSize((long) rows * cols);
        // native memory freed by the GC: the same access path as a mapped GGUF tensor
        MemorySegment seg = java.lang.foreign.Arena.ofAuto().allocate(bytes, 64);
        long rowBytes = type.byteSize(cols);
        for (int r = 0; r < rows; r++) {
            quantize(type, values, r * cols, cols, seg, r * rowBytes);
        }
        return WeightMatrix.of(name, type, seg, rows, cols);
    }

    private static void check(float[] src, int off, int n, int block, MemorySegment dst, long dstOff, GgmlType type) {
        Objects.checkFromIndexSize(off, n, src.length);
        if (n % block != 0) {
            throw new IllegalArgumentException(n + " values is not a multiple of the " + type + " block size " + block);
        }
        Objects.checkFromIndexSize(dstOff, type.byteSize(n), dst.byteSize());
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("destination segment is read-only");
        }
    }
}
