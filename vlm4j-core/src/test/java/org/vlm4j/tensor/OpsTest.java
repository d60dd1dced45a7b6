package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Vectorised {@link Ops} against {@link OpsReference} on many lengths (tails included). */
class OpsTest {
    private static final int[] LENGTHS = {1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 128, 1000, 1024, 4096};

    private static void close(float[] want, float[] got, int off, int n, double rel, double abs, String what) {
        for (int i = 0; i < n; i++) {
            float e = want[off + i];
            assertEquals(e, got[off + i], rel * Math.abs(e) + abs, what + " n=" + n + " i=" + i);
        }
    }

    @Test
    void normalisations() {
        SplittableRandom r = new SplittableRandom(1);
        for (int n : LENGTHS) {
            float[] x = TestData.gaussian(r, n + 3, 2.0);
            x[3] += 5f; // non-zero mean for layer norm
            float[] w = TestData.gaussian(r, n + 2, 1.0);
            float[] b = TestData.gaussian(r, n, 1.0);
            float[] a1 = new float[n + 1];
            float[] a2 = new float[n + 1];
            Ops.rmsNorm(a1, 1, x, 3, w, 2, n, 1e-6f);
            OpsReference.rmsNorm(a2, 1, x, 3, w, 2, n, 1e-6f);
            close(a2, a1, 1, n, 2e-6, 1e-6, "rmsNorm");
            Ops.layerNorm(a1, 1, x, 3, w, b, n, 1e-6f);
            OpsReference.layerNorm(a2, 1, x, 3, w, b, n, 1e-6f);
            close(a2, a1, 1, n, 2e-5, 2e-5, "layerNorm");
        }
        // known value: rmsNorm of (3, 4) with eps 0 -> (3, 4) / sqrt(12.5)
        float[] out = new float[2];
        Ops.rmsNorm(out, 0, new float[] {3, 4}, 0, new float[] {1, 2}, 0, 2, 0f);
        assertEquals(3 / Math.sqrt(12.5), out[0], 1e-6);
        assertEquals(8 / Math.sqrt(12.5), out[1], 1e-6);
    }

    @Test
    void softmaxAndActivations() {
        SplittableRandom r = new SplittableRandom(2);
        for (int n : LENGTHS) {
            float[] x = TestData.gaussian(r, n + 2, 4.0);
            float[] y = x.clone();
            Ops.softmax(x, 2, n);
            OpsReference.softmax(y, 2, n);
            close(y, x, 2, n, 1e-5, 1e-9, "softmax");
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x[2 + i];
            }
            assertEquals(1.0, sum, 1e-5, "softmax sums to 1");

            float[] g = TestData.gaussian(r, n + 1, 3.0);
            g[1] = -100f;
            float[] u = TestData.gaussian(r, n + 4, 1.0);
            float[] g2 = g.clone();
            Ops.swiglu(g, 1, u, 4, n);
            OpsReference.swiglu(g2, 1, u, 4, n);
            close(g2, g, 1, n, 1e-6, 1e-7, "swiglu");

            float[] s1 = TestData.gaussian(r, n, 3.0);
            float[] s2 = s1.clone();
            Ops.silu(s1, 0, n);
            OpsReference.silu(s2, 0, n);
            close(s2, s1, 0, n, 1e-6, 1e-7, "silu");

            float[] e1 = TestData.gaussian(r, n, 3.0);
            e1[0] = n % 2 == 0 ? 12f : -12f; // saturated tails
            float[] e2 = e1.clone();
            Ops.geluErf(e1, 0, n);
            OpsReference.geluErf(e2, 0, n);
            close(e2, e1, 0, n, 1e-6, 2e-7, "geluErf");
        }
        // softmax with a very negative entry (masked attention score)
        float[] m = {0f, -1e30f, 1f, 0f, 0f, 0f, 0f, 0f, 0f};
        Ops.softmax(m, 0, 9);
        assertEquals(0f, m[1]);
        assertEquals(Math.E / (Math.E + 7), m[2], 1e-6);
        // GELU known values (erf(1/sqrt2) = 0.682689492...)
        assertEquals(0.5 * (1 + 0.6826894921370859), Ops.geluErf(1f), 2e-7);
        assertEquals(0f, Ops.geluErf(0f));
    }

    /**
     * The vectorised exponential ({@link VectorMath#exp}, a polynomial, so that it gives the same bits interpreted and
     * compiled) against {@link Math#exp} rounded to float: every 1,021st float from -110 to 100,
     * and the edges: overflow to infinity just above ln(MAX_VALUE), the subnormal range down to
     * zero, infinities, NaN, and exp(0) = 1 exactly (softmax's largest entry).
     */
    @Test
    void expIsWithinTwoUlpsOfMathExpOverTheWholeFloatRange() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.ENABLED, "the vector path is what is tested");
        float[] x = new float[1024]; // a multiple of every vector length: no scalar tail
        float[] y = new float[x.length];
        int worst = 0;
        float worstAt = 0;
        int count = 0;
        int[][] ranges = {{Float.floatToIntBits(-0f), Float.floatToIntBits(-110f)}, {0, Float.floatToIntBits(100f)}};
        for (int[] range : ranges) {
            for (int bits = range[0]; bits <= range[1]; ) {
                int k = 0;
                for (; k < x.length && bits <= range[1]; k++, bits += 1021) {
                    x[k] = Float.intBitsToFloat(bits);
                }
                System.arraycopy(x, 0, y, 0, k);
                Ops.expShifted(y, 0, x.length, 0f);
                for (int i = 0; i < k; i++) {
                    float want = (float) Math.exp(x[i]);
                    int ulps = Math.abs(Float.floatToIntBits(want) - Float.floatToIntBits(y[i]));
                    count++;
                    if (ulps > worst) {
                        worst = ulps;
                        worstAt = x[i];
                    }
                }
            }
        }
        System.out.println("exp: " + count + " values, worst " + worst + " ulps at " + worstAt);
        assertEquals(true, count > 2_000_000, "values checked: " + count);
        assertEquals(true, worst <= 2, "worst " + worst + " ulps at x = " + worstAt);

        float[] edges = {0f, -0f, 1f, -1f, 88.72283f, 88.72284f, 89f, 1000f, Float.POSITIVE_INFINITY,
            -87.33654f, -100f, -103.9f, -104f, -105f, -1e30f, Float.NEGATIVE_INFINITY, Float.NaN, Float.MAX_VALUE};
        float[] e = new float[64];
        System.arraycopy(edges, 0, e, 0, edges.length);
        Ops.expShifted(e, 0, e.length, 0f);
        for (int i = 0; i < edges.length; i++) {
            float want = (float) Math.exp(edges[i]);
            int ulps = Math.abs(Float.floatToIntBits(want) - Float.floatToIntBits(e[i]));
            assertEquals(true, ulps <= 2, "exp(" + edges[i] + "): want " + want + " got " + e[i]);
        }
        assertEquals(1f, e[0]);
        assertEquals(1f, e[1]);
        assertEquals(Float.POSITIVE_INFINITY, e[6]);
        assertEquals(Float.POSITIVE_INFINITY, e[8]);
        assertEquals(0f, e[13]);
        assertEquals(0f, e[15]);
        assertEquals(true, Float.isNaN(e[16]));
    }

    @Test
    void residualAndAttentionHelpers() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n : LENGTHS) {
            float[] a = TestData.gaussian(r, n + 1, 1.0);
            float[] b = TestData.gaussian(r, n + 2, 1.0);
            float[] s = TestData.gaussian(r, n, 1.0);
            float[] a2 = a.clone();
            Ops.add(a, 1, b, 2, n);
            OpsReference.add(a2, 1, b, 2, n);
            close(a2, a, 0, n + 1, 0, 0, "add");
            Ops.addScaled(a, 1, s, b, 2, n);
            OpsReference.addScaled(a2, 1, s, b, 2, n);
            close(a2, a, 0, n + 1, 0, 0, "addScaled");
            Ops.scale(a, 1, n, 0.37f);
            OpsReference.scale(a2, 1, n, 0.37f);
            close(a2, a, 0, n + 1, 0, 0, "scale");

            double absSum = 0;
            for (int i = 0; i < n; i++) {
                absSum += Math.abs(a[1 + i] * b[2 + i]);
            }
            assertEquals(OpsReference.dot(a, 1, b, 2, n), Ops.dot(a, 1, b, 2, n), 1e-6 * absSum + 1e-7, "dot n=" + n);

            float[] y1 = TestData.gaussian(r, n + 3, 1.0);
            float[] y2 = y1.clone();
            Ops.axpy(0.25f, b, 2, y1, 3, n);
            OpsReference.axpy(0.25f, b, 2, y2, 3, n);
            close(y2, y1, 0, n + 3, 1e-6, 1e-7, "axpy");
        }
    }

    @Test
    void ropeNeoxRotatesPairsAndMatchesTheReferenceBitForBit() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(31);
        for (int half : new int[] {1, 3, 8, 17, 32, 64}) {
            float[] a = TestData.gaussian(r, 2 * half + 5, 1.0);
            float[] b = a.clone();
            float[] cos = new float[half + 2];
            float[] sin = new float[half + 2];
            for (int i = 0; i < cos.length; i++) {
                double angle = r.nextDouble(-10, 10);
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            Ops.ropeNeox(a, 3, half, cos, sin, 2);
            OpsReference.ropeNeox(b, 3, half, cos, sin, 2);
            org.junit.jupiter.api.Assertions.assertArrayEquals(b, a, "half=" + half);
        }
        // a quarter turn maps (x0, x1) to (-x1, x0); the angle 0 leaves the pair alone
        float[] v = {1f, 2f, 3f, 4f};
        Ops.ropeNeox(v, 0, 2, new float[] {0f, 1f}, new float[] {1f, 0f}, 0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {-3f, 2f, 1f, 4f}, v);
    }
}
