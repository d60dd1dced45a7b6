package org.vlm4j.tensor;

/**
 * Element-wise and row-wise f32 operations used by the models: normalisations, activations,
 * softmax, residual adds, attention dot products. All work in place on heap float arrays with
 * explicit offsets.
 *
 * <p>With the Vector API available these run vectorised ({@code VectorOps}); otherwise, and as the
 * test oracle, {@link OpsReference} has the same operations in plain scalar code. Results agree to
 * float rounding: reductions add in a different order (and in float rather than double), and
 * exponentials come from a polynomial within 2 ulps of {@link Math#exp}. The vectorised
 * operations give the same bits whether they run compiled or interpreted (see {@code VectorOps}).
 */
public final class Ops {
    private Ops() {}

    /** {@code out[i] = x[i] / sqrt(mean(x^2) + eps) * w[wOff + i]} over {@code n} values. */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int n, float eps) {
        if (Simd.ENABLED) {
            VectorOps.rmsNorm(out, outOff, x, xOff, w, wOff, n, eps);
        } else {
            OpsReference.rmsNorm(out, outOff, x, xOff, w, wOff, n, eps);
        }
    }

    /** LayerNorm with weight and bias: {@code (x - mean) / sqrt(var + eps) * w[i] + b[i]}. */
    public static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] w, float[] b, int n, float eps) {
        if (Simd.ENABLED) {
            VectorOps.layerNorm(out, outOff, x, xOff, w, b, n, eps);
        } else {
            OpsReference.layerNorm(out, outOff, x, xOff, w, b, n, eps);
        }
    }

    /** In-place softmax over {@code x[off .. off+n)}, computed in f32 with max subtraction. */
    public static void softmax(float[] x, int off, int n) {
        if (Simd.ENABLED) {
            VectorOps.softmax(x, off, n);
        } else {
            OpsReference.softmax(x, off, n);
        }
    }

    /**
     * {@code x[i] = exp(x[i] - shift)} in place over {@code n} values (the unnormalised
     * probabilities of a sampler, with {@code shift} the largest logit).
     */
    public static void expShifted(float[] x, int off, int n, float shift) {
        if (Simd.ENABLED) {
            VectorOps.expShifted(x, off, n, shift);
        } else {
            OpsReference.expShifted(x, off, n, shift);
        }
    }

    /** {@code x / (1 + e^-x)}. */
    public static float silu(float x) {
        return OpsReference.silu(x);
    }

    /** SiLU in place over {@code n} values. */
    public static void silu(float[] x, int off, int n) {
        if (Simd.ENABLED) {
            VectorOps.silu(x, off, n);
        } else {
            OpsReference.silu(x, off, n);
        }
    }

    /** SwiGLU in place: {@code gate[i] = silu(gate[i]) * up[i]}. */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        if (Simd.ENABLED) {
            VectorOps.swiglu(gate, gOff, up, uOff, n);
        } else {
            OpsReference.swiglu(gate, gOff, up, uOff, n);
        }
    }

    /**
     * Error function, Abramowitz and Stegun 7.1.26 (max absolute error 1.5e-7), the same
     * approximation family PyTorch's vectorised CPU kernels use for {@code erf}.
     */
    public static float erf(float x) {
        return OpsReference.erf(x);
    }

    /** Exact (erf) GELU: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    public static float geluErf(float x) {
        return OpsReference.geluErf(x);
    }

    /** GELU in place over {@code n} values. */
    public static void geluErf(float[] x, int off, int n) {
        if (Simd.ENABLED) {
            VectorOps.geluErf(x, off, n);
        } else {
            OpsReference.geluErf(x, off, n);
        }
    }

    /**
     * NeoX rotary embedding of one head in place: for {@code i < half}, the pair
     * {@code (a[off + i], a[off + i + half])} is rotated by the angle whose cosine and sine are
     * {@code cos[cOff + i]} and {@code sin[cOff + i]}:
     * {@code x0' = x0 cos - x1 sin}, {@code x1' = x0 sin + x1 cos} (two roundings per product, no
     * fused multiply-add, in both paths, so they agree bit for bit).
     */
    public static void ropeNeox(float[] a, int off, int half, float[] cos, float[] sin, int cOff) {
        if (Simd.ENABLED) {
            VectorOps.ropeNeox(a, off, half, cos, sin, cOff);
            return;
        }
        OpsReference.ropeNeox(a, off, half, cos, sin, cOff);
    }

    /** {@code a[i] += b[i]}. */
    public static void add(float[] a, int aOff, float[] b, int bOff, int n) {
        if (Simd.ENABLED) {
            VectorOps.add(a, aOff, b, bOff, n);
        } else {
            OpsReference.add(a, aOff, b, bOff, n);
        }
    }

    /** {@code a[i] += s[i] * b[i]} (layer scale residual; {@code s} starts at index 0). */
    public static void addScaled(float[] a, int aOff, float[] s, float[] b, int bOff, int n) {
        if (Simd.ENABLED) {
            VectorOps.addScaled(a, aOff, s, b, bOff, n);
        } else {
            OpsReference.addScaled(a, aOff, s, b, bOff, n);
        }
    }

    /** {@code x[i] *= s}. */
    public static void scale(float[] x, int off, int n, float s) {
        if (Simd.ENABLED) {
            VectorOps.scale(x, off, n, s);
        } else {
            OpsReference.scale(x, off, n, s);
        }
    }

    /** Dot product of two f32 ranges. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (Simd.ENABLED) {
            return VectorOps.dot(a, aOff, b, bOff, n);
        }
        return OpsReference.dot(a, aOff, b, bOff, n);
    }

    /** {@code y[i] += alpha * x[i]}. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        if (Simd.ENABLED) {
            VectorOps.axpy(alpha, x, xOff, y, yOff, n);
        } else {
            OpsReference.axpy(alpha, x, xOff, y, yOff, n);
        }
    }
}
