package org.vlm4j.model.internvit;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.vlm4j.tensor.Ops;
import org.vlm4j.tensor.VectorMath;

/**
 * Vectorised element-wise kernels of the vision encoder: exact (erf) GELU, LayerNorm and the
 * fused bias + layer-scale residual. They run once per token per layer over 1025 tokens, so they are
 * written with the Vector API instead of going through the scalar {@link Ops} versions (which remain
 * the references they are tested against).
 *
 * <p>Private to the vision model because the tensor package's signatures are frozen while its kernels
 * are being optimised; candidates to move into {@code org.vlm4j.tensor} later.
 */
final class VitKernels {
    private VitKernels() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();

    private static final float SQRT1_2 = 0.70710678118654752f;

    /**
     * Exact GELU {@code 0.5 x (1 + erf(x / sqrt 2))} per lane, with erf by Abramowitz-Stegun 7.1.26
     * (absolute error below 1.5e-7), the approximation PyTorch's vectorised CPU {@code erf} uses.
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector z = x.mul(SQRT1_2);
        FloatVector az = z.abs();
        FloatVector t = az.fma(0.3275911f, 1f);
        t = t.broadcast(1f).div(t);
        FloatVector poly = t.broadcast(1.061405429f)
                .fma(t, t.broadcast(-1.453152027f))
                .fma(t, t.broadcast(1.421413741f))
                .fma(t, t.broadcast(-0.284496736f))
                .fma(t, t.broadcast(0.254829592f))
                .mul(t);
        FloatVector e = VectorMath.exp(az.mul(az).neg());
        FloatVector y = poly.mul(e).neg().add(1f);
        y = y.blend(y.neg(), z.lt(0f));
        return x.mul(0.5f).mul(y.add(1f));
    }

    /** {@code x[i] = gelu(x[i] + bias[i])} for {@code i in [0, n)}. */
    static void biasGelu(float[] x, int off, float[] bias, int n) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i).add(FloatVector.fromArray(F, bias, i));
            gelu(v).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = Ops.geluErf(x[off + i] + bias[i]);
        }
    }

    /** {@code x[i] += bias[i]} then {@code x[i] *= scale}. */
    static void biasScale(float[] x, int off, float[] bias, float scale, int n) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i).add(FloatVector.fromArray(F, bias, i));
            v.mul(scale).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = (x[off + i] + bias[i]) * scale;
        }
    }

    /** Residual with layer scale: {@code h[i] += ls[i] * (y[i] + bias[i])}. */
    static void residual(float[] h, int hOff, float[] y, int yOff, float[] bias, float[] ls, int n) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, bias, i));
            FloatVector.fromArray(F, ls, i).fma(v, FloatVector.fromArray(F, h, hOff + i)).intoArray(h, hOff + i);
        }
        for (; i < n; i++) {
            h[hOff + i] += ls[i] * (y[yOff + i] + bias[i]);
        }
    }

    /**
     * LayerNorm of {@code n} values: two passes (mean, then variance of the deviations, as PyTorch),
     * f32 vector partial sums combined in double, {@code (x - mean) / sqrt(var + eps) * w + b}.
     */
    static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] w, float[] b, int n, float eps) {
        int up = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < up; i += L) {
            acc = acc.add(FloatVector.fromArray(F, x, xOff + i));
        }
        double sum = sumLanes(acc);
        for (; i < n; i++) {
            sum += x[xOff + i];
        }
        float mean = (float) (sum / n);
        FloatVector acc2 = FloatVector.zero(F);
        i = 0;
        for (; i < up; i += L) {
            FloatVector d = FloatVector.fromArray(F, x, xOff + i).sub(mean);
            acc2 = d.fma(d, acc2);
        }
        double var = sumLanes(acc2);
        for (; i < n; i++) {
            float d = x[xOff + i] - mean;
            var += d * d;
        }
        float inv = (float) (1.0 / Math.sqrt(var / n + eps));
        i = 0;
        for (; i < up; i += L) {
            FloatVector d = FloatVector.fromArray(F, x, xOff + i).sub(mean).mul(inv);
            d.fma(FloatVector.fromArray(F, w, i), FloatVector.fromArray(F, b, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = (x[xOff + i] - mean) * inv * w[i] + b[i];
        }
    }

    /**
     * Sum of the lanes in lane order. Unlike {@code reduceLanes(ADD)}, whose association order may
     * differ between the JIT intrinsic and the Java fallback, this gives the same bits whether the
     * caller runs interpreted or compiled, so encoding the same tile twice gives identical output.
     */
    static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += v.lane(i);
        }
        return s;
    }
}
