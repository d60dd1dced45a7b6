package org.vlm4j.tensor;

/**
 * Plain scalar versions of {@link Ops}: the test oracle for the vectorised operations, and the
 * implementation when the Vector API is unavailable. Same signatures and semantics as {@code Ops};
 * sums of squares and means accumulate in double.
 */
public final class OpsReference {
    private OpsReference() {}

    /** {@code out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]} over {@code n} values. */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            ss += v * v;
        }
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * w[wOff + i];
        }
    }

    /** LayerNorm with weight and bias: {@code (x - mean) / sqrt(var + eps) * w + b}. */
    public static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] w, float[] b, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[xOff + i];
        }
        float mean = (float) (sum / n);
        double var = 0;
        for (int i = 0; i < n; i++) {
            float d = x[xOff + i] - mean;
            var += d * d;
        }
        float inv = (float) (1.0 / Math.sqrt(var / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[xOff + i] - mean) * inv * w[i] + b[i];
        }
    }

    /** In-place softmax over {@code x[off .. off+n)}, computed in f32 with max subtraction. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** {@code x[i] = exp(x[i] - shift)} in place. */
    public static void expShifted(float[] x, int off, int n, float shift) {
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.exp(x[off + i] - shift);
        }
    }

    /** {@code x / (1 + e^-x)}. */
    public static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }

    /** SiLU in place over {@code n} values. */
    public static void silu(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] = silu(x[off + i]);
        }
    }

    /** SwiGLU in place: {@code gate[i] = silu(gate[i]) * up[i]}. */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) {
            gate[gOff + i] = silu(gate[gOff + i]) * up[uOff + i];
        }
    }

    /**
     * Error function, Abramowitz and Stegun 7.1.26 (max absolute error 1.5e-7), the same
     * approximation family PyTorch's vectorised CPU kernels use for {@code erf}.
     */
    public static float erf(float x) {
        double ax = Math.abs(x);
        double t = 1.0 / (1.0 + 0.3275911 * ax);
        double y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-ax * ax);
        return (float) (x < 0 ? -y : y);
    }

    /** Exact (erf) GELU: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    public static float geluErf(float x) {
        return 0.5f * x * (1f + erf(x * 0.70710678118654752f));
    }

    /** GELU in place over {@code n} values. */
    public static void geluErf(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] = geluErf(x[off + i]);
        }
    }

    /** {@code a[i] += b[i]}. */
    public static void add(float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            a[aOff + i] += b[bOff + i];
        }
    }

    /** {@code a[i] += s[i] * b[i]} (layer scale residual). */
    public static void addScaled(float[] a, int aOff, float[] s, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            a[aOff + i] += s[i] * b[bOff + i];
        }
    }

    /** {@code x[i] *= s}. */
    public static void scale(float[] x, int off, int n, float s) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** Dot product of two f32 ranges. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** {@code y[i] += alpha * x[i]}. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** Scalar reference of {@link Ops#ropeNeox}. */
    public static void ropeNeox(float[] a, int off, int half, float[] cos, float[] sin, int cOff) {
        ropeNeoxFrom(a, off, 0, half, cos, sin, cOff);
    }

    /** {@link #ropeNeox} for the pairs {@code i} in {@code [from, half)} only (the vector path's tail). */
    static void ropeNeoxFrom(float[] a, int off, int from, int half, float[] cos, float[] sin, int cOff) {
        for (int i = from; i < half; i++) {
            float c = cos[cOff + i];
            float s = sin[cOff + i];
            float x0 = a[off + i];
            float x1 = a[off + i + half];
            a[off + i] = x0 * c - x1 * s;
            a[off + i + half] = x0 * s + x1 * c;
        }
    }
}
