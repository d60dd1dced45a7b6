package org.vlm4j.model.internvit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.vlm4j.tensor.Ops;

/** The vectorised element-wise kernels against double-precision / scalar references. */
class VitKernelsTest {
    private static final int L = VitKernels.L;

    private static float[] lanes(float v) {
        float[] a = new float[L];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static float vgelu(float x) {
        return VitKernels.gelu(FloatVector.fromArray(VitKernels.F, lanes(x), 0)).lane(0);
    }

    /** erf by a convergent series / continued fraction in double: an independent reference. */
    private static double erfRef(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double sum = 0, term = ax;
            for (int n = 0; n < 200; n++) {
                sum += term / (2 * n + 1);
                term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc continued fraction (Lentz), converges fast for x >= 3
            double f = ax;
            for (int k = 60; k >= 1; k--) {
                f = ax + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }

    @Test
    void geluMatchesExactErfGelu() {
        double worst = 0;
        for (float x = -12f; x <= 12f; x += 0.0031f) {
            double ref = 0.5 * x * (1 + erfRef(x / Math.sqrt(2)));
            worst = Math.max(worst, Math.abs(vgelu(x) - ref));
            // and the scalar Ops version used for loop tails agrees
            assertEquals(ref, Ops.geluErf(x), 2e-6 + 1e-6 * Math.abs(x));
        }
        // A&S 7.1.26: |erf error| <= 1.5e-7, times |x|/2 <= 6 -> well below the 1e-4 test tolerance
        assertTrue(worst < 2e-6, "gelu max abs error " + worst);
        assertEquals(0f, vgelu(0f), 0f);
        assertEquals(-0f, vgelu(-30f), 1e-30f);
        assertEquals(30f, vgelu(30f), 0f);
    }

    @Test
    void layerNormMatchesScalarOps() {
        Random rnd = new Random(3);
        for (int n : new int[] {1, 7, 64, 1024, 4096, 1001}) {
            float[] x = new float[n + 2];
            float[] w = new float[n];
            float[] b = new float[n];
            for (int i = 0; i < n + 2; i++) {
                x[i] = (float) (rnd.nextGaussian() * 3 + 1.5);
            }
            for (int i = 0; i < n; i++) {
                w[i] = rnd.nextFloat() * 2;
                b[i] = rnd.nextFloat() - 0.5f;
            }
            float[] ref = new float[n];
            float[] got = new float[n + 1];
            Ops.layerNorm(ref, 0, x, 2, w, b, n, 1e-6f);
            VitKernels.layerNorm(got, 1, x, 2, w, b, n, 1e-6f);
            for (int i = 0; i < n; i++) {
                assertEquals(ref[i], got[i + 1], 2e-5f, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void fusedElementwiseOps() {
        Random rnd = new Random(5);
        int n = 3 * L + 3;
        float[] x = new float[n], bias = new float[n], ls = new float[n], h = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 8 - 4;
            bias[i] = rnd.nextFloat() - 0.5f;
            ls[i] = rnd.nextFloat();
            h[i] = rnd.nextFloat();
        }
        float[] g = x.clone();
        VitKernels.biasGelu(g, 0, bias, n);
        float[] s = x.clone();
        VitKernels.biasScale(s, 0, bias, 0.25f, n);
        float[] hr = h.clone();
        VitKernels.residual(hr, 0, x, 0, bias, ls, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Ops.geluErf(x[i] + bias[i]), g[i], 2e-6f);
            assertEquals((x[i] + bias[i]) * 0.25f, s[i], 0f);
            assertEquals(h[i] + ls[i] * (x[i] + bias[i]), hr[i], 1e-6f);
        }
    }

    @Test
    void sumLanesIsLaneOrderSum() {
        float[] v = new float[L];
        float ref = 0f;
        for (int i = 0; i < L; i++) {
            v[i] = 1e7f / (i + 1) - i * 0.37f;
            ref += v[i];
        }
        assertEquals(ref, VitKernels.sumLanes(FloatVector.fromArray(VitKernels.F, v, 0)), 0f);
    }
}
