package org.vlm4j.gguf;

import java.util.Arrays;

/**
 * One tensor of a GGUF file.
 *
 * @param name tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type element type
 * @param shape GGML dimensions {@code ne}, innermost (contiguous) first; a PyTorch {@code [out, in]}
 *     linear weight has {@code shape = {in, out}}
 * @param offset byte offset of the data relative to the start of the file's tensor data section
 * @param byteSize bytes of tensor data
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i} ({@code ne[i]}), 1 beyond the stored dimensions. */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public int dimensions() {
        return shape.length;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Shape as {@code [ne0, ne1, ...]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shapeString() + " @" + offset;
    }
}
