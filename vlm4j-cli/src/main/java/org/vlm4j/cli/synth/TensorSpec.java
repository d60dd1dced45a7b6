package org.vlm4j.cli.synth;

import java.util.Arrays;
import org.vlm4j.gguf.GgmlType;

/**
 * One tensor of a synthetic model: GGUF name, storage type, GGML shape ({@code ne}, innermost
 * first) and the distribution its random values are drawn from.
 */
public record TensorSpec(String name, GgmlType type, long[] shape, Init init) {

    /** How values are drawn: a normal N(a, b^2) or a uniform U(a, b). */
    public record Init(boolean uniform, double a, double b) {
        public static Init normal(double mean, double std) {
            return new Init(false, mean, std);
        }

        public static Init uniform(double lo, double hi) {
            return new Init(true, lo, hi);
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, uniform ? "U(%.4g, %.4g)" : "N(%.4g, %.4g^2)", a, b);
        }
    }

    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** {@code ne[0]}: the length of one contiguous row. */
    public long rowLength() {
        return shape[0];
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape) && init.equals(t.init);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " " + init;
    }
}
