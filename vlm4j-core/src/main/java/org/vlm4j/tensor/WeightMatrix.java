package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;

/**
 * A read-only matrix of {@code rows x cols} weights of one GGML type, stored row-major (each row is
 * {@code cols} contiguous elements, i.e. GGML {@code ne[0] = cols}). Usually a zero-copy view of a
 * mapped GGUF tensor. A 1-D tensor is a single row; dimensions above the second fold into rows.
 */
public final class WeightMatrix {
    private final String name;
    private final GgmlType type;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;
    private final TypeKernels kernels;

    private WeightMatrix(String name, GgmlType type, MemorySegment data, int rows, int cols) {
        if (!type.isComputable()) {
            throw new UnsupportedOperationException("tensor '" + name + "' has type " + type
                    + ", which vlm4j cannot compute with (supported: F32, F16, BF16, Q8_0, Q4_0)");
        }
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + cols + " is not a multiple of " + type.blockSize());
        }
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.byteSize(cols);
        if (data.byteSize() < rowBytes * rows) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " bytes for " + rows + "x" + cols + " " + type);
        }
        this.data = data;
        this.kernels = TypeKernels.of(type);
    }

    /** Wraps raw data. */
    public static WeightMatrix of(String name, GgmlType type, MemorySegment data, int rows, int cols) {
        return new WeightMatrix(name, type, data, rows, cols);
    }

    /** A view of a GGUF tensor: {@code cols = ne[0]}, {@code rows = ne[1] * ne[2] * ne[3]}. */
    public static WeightMatrix of(GgufFile file, GgufTensorInfo t) {
        long rows = t.elementCount() / Math.max(1, t.dim(0));
        if (t.dim(0) > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' is too large: " + t.shapeString());
        }
        return new WeightMatrix(t.name(), t.type(), file.tensorData(t), (int) rows, (int) t.dim(0));
    }

    /** An F32 matrix over a copy of {@code values} (tests, small tensors). */
    public static WeightMatrix ofFloats(String name, float[] values, int rows, int cols) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " values");
        }
        // a float[]-backed segment: vector loads from a byte[]-backed heap segment measured 4x slower
        MemorySegment seg = MemorySegment.ofArray(values.clone());
        return new WeightMatrix(name, GgmlType.F32, seg, rows, cols);
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return type;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public MemorySegment data() {
        return data;
    }

    /** Bytes per row. */
    public long rowBytes() {
        return rowBytes;
    }

    /** The per-type kernels. */
    public TypeKernels kernels() {
        return kernels;
    }

    /** Dot product of row {@code row} with {@code x[xOff .. xOff+cols)}, fast path. */
    public float dot(int row, float[] x, int xOff) {
        return kernels.dot(data, row * rowBytes, x, xOff, cols);
    }

    /**
     * {@link #dot(int, float[], int)} of rows {@code row + i * step} ({@code i < 4}) into
     * {@code out[outOff + i * step]}, in one pass over the four rows where the type has such a
     * kernel (F16, BF16; see {@link TypeKernels#dot4}).
     */
    public void dot4(int row, int step, float[] x, int xOff, float[] out, int outOff) {
        java.util.Objects.checkFromIndexSize(row, 3 * step + 1, rows);
        java.util.Objects.checkFromIndexSize(xOff, cols, x.length);
        java.util.Objects.checkFromIndexSize(outOff, 3 * step + 1, out.length);
        kernels.dot4(data, row * rowBytes, step * rowBytes, x, xOff, cols, out, outOff, step);
    }

    /**
     * Dot product of row {@code row} with 8-bit quantized activations (Q8_0 and Q4_0 only; see
     * {@link TypeKernels#dotQuantized}).
     */
    public float dot(int row, QuantizedActivations a) {
        return kernels.dotQuantized(data, row * rowBytes, a, 0, cols);
    }

    /**
     * {@link #dot(int, QuantizedActivations)} of rows {@code row + i * step} ({@code i < 4}) into
     * {@code out[outOff + i * step]}, in one pass over the four rows (see
     * {@link TypeKernels#dotQuantized4}); the values equal four single calls up to rounding.
     */
    public void dot4(int row, int step, QuantizedActivations a, float[] out, int outOff) {
        java.util.Objects.checkFromIndexSize(row, 3 * step + 1, rows);
        kernels.dotQuantized4(data, row * rowBytes, step * rowBytes, a, 0, cols, out, outOff, step);
    }

    /** Writes row {@code row} as floats into {@code dst[dstOff ..]}. */
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        kernels.dequantize(data, row * rowBytes, dst, dstOff, cols);
    }

    /** The whole matrix as floats (small tensors: norms, biases, embeddings rows). */
    public float[] toFloatArray() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            dequantizeRow(r, out, r * cols);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + rows + "x" + cols;
    }
}
