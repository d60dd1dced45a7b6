package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The blocked, register-tiled attention of both caches against a direct double-precision
 * computation, on shapes the tiny model does not have: odd head dimensions and group sizes (row
 * and lane remainders), several query tokens, and contexts crossing the key-block size.
 */
class KvCacheAttentionTest {

    @ParameterizedTest
    @CsvSource({
        "F32, 32, 2, 1, 0", "F32, 32, 2, 8, 0", "F32, 24, 3, 5, 17", "F32, 40, 1, 3, 290", "F32, 128, 2, 1, 600",
        "F32, 64, 7, 2, 255", "F32, 16, 5, 1, 513",
        "F16, 32, 2, 8, 0", "F16, 24, 3, 5, 17", "F16, 64, 7, 2, 300", "F16, 128, 2, 1, 600"})
    void matchesDirectAttention(KvCacheType type, int hd, int group, int tokens, int p0) {
        int kvHeads = 2;
        int layers = 2;
        int capacity = p0 + tokens + 7;
        int kvDim = kvHeads * hd;
        SplittableRandom r = new SplittableRandom(hd * 31L + group * 7 + tokens + p0);
        KvCache cache = KvCache.create(type, layers, capacity, kvHeads, hd);
        int n = p0 + tokens;
        float[][] k = new float[n][kvDim];
        float[][] v = new float[n][kvDim];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < kvDim; i++) {
                k[p][i] = (float) (r.nextGaussian() * 2);
                v[p][i] = (float) r.nextGaussian();
                if (type == KvCacheType.F16) { // the reference sees what the cache can hold
                    k[p][i] = Float.float16ToFloat(Float.floatToFloat16(k[p][i]));
                    v[p][i] = Float.float16ToFloat(Float.floatToFloat16(v[p][i]));
                }
            }
            cache.store(1, p, k[p], 0, v[p], 0);
            cache.store(0, p, new float[kvDim], 0, new float[kvDim], 0); // another layer must not interfere
        }
        int qDim = kvHeads * group * hd;
        float[] q = new float[tokens * qDim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        float scale = (float) (1 / Math.sqrt(hd));
        float[] out = new float[tokens * qDim];
        KvCache.Scratch sc = cache.newScratch(tokens * group);
        for (int kvh = 0; kvh < kvHeads; kvh++) {
            int h0 = kvh * group * hd;
            cache.attend(1, kvh, p0, tokens, group, scale, q, h0, qDim, out, h0, qDim, sc);
        }
        double worst = 0;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < kvHeads * group; h++) {
                int kvh = h / group;
                int visible = p0 + t + 1;
                double[] s = new double[visible];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    double d = 0;
                    for (int i = 0; i < hd; i++) {
                        d += (double) q[t * qDim + h * hd + i] * k[j][kvh * hd + i];
                    }
                    s[j] = d * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < visible; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int i = 0; i < hd; i++) {
                    double o = 0;
                    for (int j = 0; j < visible; j++) {
                        o += s[j] / sum * v[j][kvh * hd + i];
                    }
                    worst = Math.max(worst, Math.abs(o - out[t * qDim + h * hd + i]));
                }
            }
        }
        assertTrue(worst < 2e-5, type + " hd=" + hd + " group=" + group + " tokens=" + tokens + " p0=" + p0 + ": " + worst);
    }
}
