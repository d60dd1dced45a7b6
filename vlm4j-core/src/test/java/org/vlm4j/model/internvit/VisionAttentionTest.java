package org.vlm4j.model.internvit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vlm4j.tensor.WorkerPool;

/** The blocked, vectorised attention against a plain double-precision softmax(q k^T) v per head. */
class VisionAttentionTest {
    private static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = WorkerPool.create(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static float[] reference(float[] q, float[] k, float[] v, int seq, int heads, int hd) {
        int w = heads * hd;
        float[] out = new float[seq * w];
        double[] s = new double[seq];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < seq; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < seq; j++) {
                    double acc = 0;
                    for (int d = 0; d < hd; d++) {
                        acc += (double) q[i * w + h * hd + d] * k[j * w + h * hd + d];
                    }
                    s[j] = acc;
                    max = Math.max(max, acc);
                }
                double sum = 0;
                for (int j = 0; j < seq; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int d = 0; d < hd; d++) {
                    double acc = 0;
                    for (int j = 0; j < seq; j++) {
                        acc += s[j] * v[j * w + h * hd + d];
                    }
                    out[i * w + h * hd + d] = (float) (acc / sum);
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"1025, 4, 16", "37, 3, 16", "5, 2, 8", "50, 2, 12", "130, 1, 64", "1, 2, 16", "33, 16, 64",
        "37, 3, 10", "70, 2, 6", // head sizes that leave a narrower last value tile
        "11, 2, 16"}) // with 37, 50 and 1025: a last key group of 3, 2 and 1 keys
    void matchesReference(int seq, int heads, int hd) {
        Random rnd = new Random(seq * 1000 + heads * 10 + hd);
        int n = seq * heads * hd;
        float[] q = new float[n], k = new float[n], v = new float[n];
        for (int i = 0; i < n; i++) {
            q[i] = (float) rnd.nextGaussian() * 0.7f;
            k[i] = (float) rnd.nextGaussian() * 0.7f;
            v[i] = (float) rnd.nextGaussian();
        }
        float[] ref = reference(q, k, v, seq, heads, hd);
        VisionAttention att = new VisionAttention(seq, heads, hd);
        float[] fast = new float[n];
        att.forward(pool, q, k, v, fast);
        check(ref, fast, "vector");
        float[] again = new float[n];
        att.forward(pool, q, k, v, again);
        assertArrayEquals(fast, again, "reusing the buffers gives identical output");
        try (WorkerPool one = WorkerPool.create(1)) {
            float[] single = new float[n];
            new VisionAttention(seq, heads, hd).forward(one, q, k, v, single);
            assertArrayEquals(fast, single, "the result does not depend on the thread count");
        }
        // raw projections + biases + q scale give the same as finished inputs
        int w = heads * hd;
        float[] qb = new float[w], kb = new float[w], vb = new float[w];
        for (int i = 0; i < w; i++) {
            qb[i] = (float) rnd.nextGaussian();
            kb[i] = (float) rnd.nextGaussian();
            vb[i] = (float) rnd.nextGaussian();
        }
        float[] qf = q.clone(), kf = k.clone(), vf = v.clone();
        for (int i = 0; i < n; i++) {
            qf[i] = (q[i] + qb[i % w]) * 0.25f;
            kf[i] += kb[i % w];
            vf[i] += vb[i % w];
        }
        float[] biased = new float[n];
        float[] qCopy = q.clone();
        att.forward(pool, q, qb, 0.25f, k, kb, v, vb, biased);
        check(reference(qf, kf, vf, seq, heads, hd), biased, "biased");
        assertArrayEquals(qCopy, q, "inputs are not modified");
        att.forceScalar = true;
        float[] scalar = new float[n];
        att.forward(pool, q, k, v, scalar);
        check(ref, scalar, "scalar");
    }

    private static void check(float[] ref, float[] got, String what) {
        float worst = 0;
        for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(ref[i] - got[i]));
        }
        assertTrue(worst < 2e-5f, what + " max |diff| " + worst);
    }
}
