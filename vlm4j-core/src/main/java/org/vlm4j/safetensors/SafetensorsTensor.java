package org.vlm4j.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its name, element type, PyTorch-order shape (outermost first)
 * and a zero-copy slice of the mapped file holding its row-major little-endian data.
 *
 * <p>{@link #readFloats} converts any run of elements to f32, so a converter can stream a tensor of
 * any size through a small buffer.
 */
public record SafetensorsTensor(String name, SafetensorsDType dtype, long[] shape, MemorySegment data, String file) {
    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public SafetensorsTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Dimension {@code i} (PyTorch order). */
    public long dim(int i) {
        return shape[i];
    }

    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * Converts elements {@code [from, from + n)} (flat, row-major) to f32 into {@code dst[off..]}.
     *
     * @throws SafetensorsFormatException if the element type is not F32, F16 or BF16
     * @throws IndexOutOfBoundsException if the range is outside the tensor
     */
    public void readFloats(long from, float[] dst, int off, int n) {
        if (!dtype.isFloat()) {
            throw new SafetensorsFormatException(file + ": tensor '" + name + "' has dtype " + dtype
                    + "; only F32, F16 and BF16 weights can be converted");
        }
        if (from < 0 || n < 0 || from + n > elementCount()) {
            throw new IndexOutOfBoundsException("elements [" + from + ", " + (from + n) + ") of '" + name + "' with " + elementCount());
        }
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32, from * 4, dst, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.float16ToFloat(data.get(S16, (from + i) * 2));
                }
            }
            default -> { // BF16
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.intBitsToFloat((data.get(S16, (from + i) * 2) & 0xFFFF) << 16);
                }
            }
        }
    }

    /** All elements as f32 (for small tensors and tests). */
    public float[] toFloats() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor '" + name + "' is too large for one array");
        }
        float[] out = new float[(int) n];
        readFloats(0, out, 0, (int) n);
        return out;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
