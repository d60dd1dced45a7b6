package org.vlm4j.tensor;

import static jdk.incubator.vector.VectorOperators.MAX;
import static org.vlm4j.tensor.V.F;
import static org.vlm4j.tensor.V.F_X16;
import static org.vlm4j.tensor.V.F_X2;
import static org.vlm4j.tensor.V.F_X4;
import static org.vlm4j.tensor.V.F_X8;
import static org.vlm4j.tensor.V.L;

import jdk.incubator.vector.FloatVector;

/**
 * Vector API versions of {@link Ops} (only loaded when {@link Simd#ENABLED}). Element-wise
 * formulas evaluate in the same order as {@link OpsReference} (except {@code axpy}, which fuses
 * the multiply-add), so with the same normalisation scale they give the same bits; reductions (sums, dot products) add in a different order and
 * in float instead of double, which differs by a few ulps of the sum. Exponentials use
 * {@link VectorMath#exp}, within 2 ulps of {@link Math#exp}.
 *
 * <p><b>The same bits whether a caller runs interpreted or compiled.</b> Before C2 compiles a
 * method, its Vector API calls run a pure-Java fallback, and two operations give other bits there
 * than compiled: {@code reduceLanes(ADD)}, whose summation order is unspecified, and
 * {@code lanewise(EXP)} (SVML when compiled, {@code (float) Math.exp} lane by lane before). Which
 * calls of a kernel run before compilation depends on the JIT's timing, so with them greedy
 * decoding of one prompt gave different tokens from run to run. Every kernel in this package
 * therefore sums its lanes in a fixed tree order ({@link V}; written out in each kernel, because
 * a vector passed to a helper that C2 does not inline is boxed: in the big kernels it often does
 * not, and even a helper for the small methods here was refused in some compilations
 * ("NodeCountInliningCutoff" once rmsNorm is inlined into a bigger caller), which the decode
 * allocation test saw as 32,800 bytes over 64 steps) and computes exponentials with {@link VectorMath#exp}, which uses only operations
 * that are exact in IEEE arithmetic and so agree in both. Checked by {@code TierDeterminismTest}.
 */
final class VectorOps {
    private VectorOps() {}

    private static float sumSquares(float[] x, int off, int n) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector v0 = FloatVector.fromArray(F, x, off + i);
            FloatVector v1 = FloatVector.fromArray(F, x, off + i + L);
            s0 = v0.fma(v0, s0);
            s1 = v1.fma(v1, s1);
        }
        for (; i <= n - L; i += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, off + i);
            s0 = v0.fma(v0, s0);
        }
        FloatVector sum = s0.add(s1);
        sum = sum.add(sum.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        sum = sum.add(sum.rearrange(F_X4));
        sum = L >= 8 ? sum.add(sum.rearrange(F_X8)) : sum;
        sum = L == 16 ? sum.add(sum.rearrange(F_X16)) : sum;
        float s = sum.lane(0);
        for (; i < n; i++) {
            float v = x[off + i];
            s += v * v;
        }
        return s;
    }

    static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int n, float eps) {
        float scale = (float) (1.0 / Math.sqrt((double) sumSquares(x, xOff, n) / n + eps));
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, w, wOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * w[wOff + i];
        }
    }

    private static float sum(float[] x, int off, int n) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            s0 = s0.add(FloatVector.fromArray(F, x, off + i));
            s1 = s1.add(FloatVector.fromArray(F, x, off + i + L));
        }
        for (; i <= n - L; i += L) {
            s0 = s0.add(FloatVector.fromArray(F, x, off + i));
        }
        FloatVector sum = s0.add(s1);
        sum = sum.add(sum.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        sum = sum.add(sum.rearrange(F_X4));
        sum = L >= 8 ? sum.add(sum.rearrange(F_X8)) : sum;
        sum = L == 16 ? sum.add(sum.rearrange(F_X16)) : sum;
        float s = sum.lane(0);
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] w, float[] b, int n, float eps) {
        float mean = (float) ((double) sum(x, xOff, n) / n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector d = FloatVector.fromArray(F, x, xOff + i).sub(mean);
            acc = d.fma(d, acc);
        }
        acc = acc.add(acc.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        acc = acc.add(acc.rearrange(F_X4));
        acc = L >= 8 ? acc.add(acc.rearrange(F_X8)) : acc;
        acc = L == 16 ? acc.add(acc.rearrange(F_X16)) : acc;
        float var = acc.lane(0);
        for (; i < n; i++) {
            float d = x[xOff + i] - mean;
            var += d * d;
        }
        float inv = (float) (1.0 / Math.sqrt((double) var / n + eps));
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, xOff + i).sub(mean).mul(inv).mul(FloatVector.fromArray(F, w, i))
                    .add(FloatVector.fromArray(F, b, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = (x[xOff + i] - mean) * inv * w[i] + b[i];
        }
    }

    static void softmax(float[] x, int off, int n) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) {
            m = m.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = m.reduceLanes(MAX); // exact in any order
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        scale(x, off, n, 1f / expShifted(x, off, n, max));
    }

    /** {@code x[i] = exp(x[i] - shift)} in place; returns the sum of the results. */
    static float expShifted(float[] x, int off, int n, float shift) {
        FloatVector s = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, off + i).sub(shift));
            e.intoArray(x, off + i);
            s = s.add(e);
        }
        s = s.add(s.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        s = s.add(s.rearrange(F_X4));
        s = L >= 8 ? s.add(s.rearrange(F_X8)) : s;
        s = L == 16 ? s.add(s.rearrange(F_X16)) : s;
        float sum = s.lane(0);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }

    static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            g.div(VectorMath.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            gate[gOff + i] = OpsReference.silu(gate[gOff + i]) * up[uOff + i];
        }
    }

    static void ropeNeox(float[] a, int off, int half, float[] cos, float[] sin, int cOff) {
        int i = 0;
        for (; i <= half - L; i += L) {
            FloatVector c = FloatVector.fromArray(F, cos, cOff + i);
            FloatVector s = FloatVector.fromArray(F, sin, cOff + i);
            FloatVector x0 = FloatVector.fromArray(F, a, off + i);
            FloatVector x1 = FloatVector.fromArray(F, a, off + i + half);
            x0.mul(c).sub(x1.mul(s)).intoArray(a, off + i);
            x0.mul(s).add(x1.mul(c)).intoArray(a, off + i + half);
        }
        OpsReference.ropeNeoxFrom(a, off, i, half, cos, sin, cOff);
    }

    static void silu(float[] x, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector g = FloatVector.fromArray(F, x, off + i);
            g.div(VectorMath.exp(g.neg()).add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = OpsReference.silu(x[off + i]);
        }
    }

    /** GELU with the Abramowitz-Stegun 7.1.26 erf of {@link OpsReference#erf}, in float lanes. */
    static void geluErf(float[] x, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            FloatVector z = v.mul(0.70710678118654752f);
            FloatVector az = z.abs();
            FloatVector t = az.mul(0.3275911f).add(1f);
            t = FloatVector.broadcast(F, 1f).div(t);
            FloatVector p = t.mul(1.061405429f).sub(1.453152027f).mul(t).add(1.421413741f).mul(t).sub(0.284496736f).mul(t).add(0.254829592f).mul(t);
            FloatVector y = p.mul(VectorMath.exp(az.mul(az).neg())).neg().add(1f);
            y = y.blend(y.neg(), z.lt(0f));
            v.mul(0.5f).mul(y.add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = OpsReference.geluErf(x[off + i]);
        }
    }

    static void add(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(a, aOff + i);
        }
        for (; i < n; i++) {
            a[aOff + i] += b[bOff + i];
        }
    }

    static void addScaled(float[] a, int aOff, float[] s, float[] b, int bOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, s, i).mul(FloatVector.fromArray(F, b, bOff + i)))
                    .intoArray(a, aOff + i);
        }
        for (; i < n; i++) {
            a[aOff + i] += s[i] * b[bOff + i];
        }
    }

    static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
        }
        for (; i <= n - L; i += L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
        }
        FloatVector sum = s0.add(s1);
        sum = sum.add(sum.rearrange(F_X2)); // the lanes summed in a fixed order: see V
        sum = sum.add(sum.rearrange(F_X4));
        sum = L >= 8 ? sum.add(sum.rearrange(F_X8)) : sum;
        sum = L == 16 ? sum.add(sum.rearrange(F_X16)) : sum;
        float s = sum.lane(0);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }
}
