package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sampler semantics on handcrafted logits: each filter, their order, and seeded reproducibility. */
class SamplerTest {
    static final int[] NO_HISTORY = new int[0];
    static final int DRAWS = 20_000;

    static SamplerConfig sampling(long seed) {
        return new SamplerConfig(1.0f, 0, 1.0f, 0.0f, 1.0f, 64, seed);
    }

    static float[] logProbs(double... p) {
        float[] l = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            l[i] = (float) Math.log(p[i]);
        }
        return l;
    }

    static double[] frequencies(Sampler s, float[] logits, int[] history) {
        double[] f = new double[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            f[s.sample(logits, history, history.length)]++;
        }
        for (int i = 0; i < f.length; i++) {
            f[i] /= DRAWS;
        }
        return f;
    }

    @Test
    void greedyTakesTheArgmaxWithTiesToTheLowestId() {
        Sampler s = new Sampler(SamplerConfig.GREEDY);
        assertEquals(2, s.sample(new float[] {0f, 1f, 3f, 3f, -2f}, NO_HISTORY, 0));
        assertEquals(0, s.sample(new float[] {5f, 5f}, NO_HISTORY, 0));
        // temperature 0 or top-k 1 are greedy whatever the other settings
        assertEquals(1, new Sampler(sampling(1).withTemperature(0f).withTopK(50)).sample(new float[] {1f, 2f, 0f}, NO_HISTORY, 0));
        assertEquals(1, new Sampler(sampling(1).withTopK(1)).sample(new float[] {1f, 2f, 0f}, NO_HISTORY, 0));
        assertTrue(SamplerConfig.DEFAULT.isGreedy());
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = new Sampler(SamplerConfig.GREEDY.withRepetitionPenalty(1.1f, 64));
        // 2.0 / 1.1 = 1.818 < 1.9
        assertEquals(1, s.sample(new float[] {2.0f, 1.9f}, new int[] {0}, 1));
        // -1.0 * 1.1 = -1.1 < -1.05
        assertEquals(1, s.sample(new float[] {-1.0f, -1.05f}, new int[] {0}, 1));
        // applied once per distinct token, however often it occurs: 2.0 / 1.1 > 1.8
        assertEquals(0, s.sample(new float[] {2.0f, 1.8f}, new int[] {0, 0, 0, 0}, 4));
        // penalty 1 is off
        assertEquals(0, new Sampler(SamplerConfig.GREEDY).sample(new float[] {2.0f, 1.9f}, new int[] {0}, 1));
    }

    @Test
    void repetitionPenaltyLooksOnlyAtTheLastNValidEntries() {
        Sampler s = new Sampler(SamplerConfig.GREEDY.withRepetitionPenalty(2f, 2));
        float[] logits = {2.0f, 1.5f, 0f};
        int[] history = {0, 2, 2, 9, 9};
        assertEquals(0, s.sample(logits, history, 3)); // window {2, 2}: token 0 is not penalised
        assertEquals(1, s.sample(logits, history, 2)); // window {0, 2}
        // image rows (negative ids) and out-of-range ids are ignored; historyLength bounds the view
        assertEquals(0, s.sample(logits, new int[] {-1, -1}, 2));
        assertEquals(0, s.sample(logits, new int[] {0, 1}, 0));
    }

    @Test
    void topKKeepsTheKMostLikelyAndRenormalises() {
        Sampler s = new Sampler(sampling(11).withTopK(2));
        double[] f = frequencies(s, new float[] {3f, 2f, 1f, 0f}, NO_HISTORY);
        assertEquals(0.0, f[2] + f[3]);
        assertEquals(Math.E / (Math.E + 1), f[0], 0.015);
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        float[] logits = logProbs(0.5, 0.3, 0.15, 0.05);
        double[] f = frequencies(new Sampler(sampling(3).withTopP(0.75f)), logits, NO_HISTORY);
        assertEquals(0.0, f[2] + f[3]);
        assertEquals(0.5 / 0.8, f[0], 0.015);
        f = frequencies(new Sampler(sampling(4).withTopP(0.85f)), logits, NO_HISTORY);
        assertEquals(0.0, f[3]);
        assertEquals(0.15 / 0.95, f[2], 0.015);
        // a tiny p still keeps the most likely token
        f = frequencies(new Sampler(sampling(5).withTopP(0.01f)), logits, NO_HISTORY);
        assertEquals(1.0, f[0]);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTopProbability() {
        float[] logits = logProbs(0.5, 0.3, 0.15, 0.05);
        double[] f = frequencies(new Sampler(sampling(6).withMinP(0.2f)), logits, NO_HISTORY);
        assertEquals(0.0, f[3]);
        assertEquals(0.15 / 0.95, f[2], 0.015);
        f = frequencies(new Sampler(sampling(7).withMinP(0.5f)), logits, NO_HISTORY);
        assertEquals(0.0, f[2] + f[3]);
    }

    @Test
    void temperatureScalesLogitsBeforeTheFilters() {
        double[] f = frequencies(new Sampler(sampling(8).withTemperature(2f)), new float[] {1f, 0f}, NO_HISTORY);
        double e = Math.exp(0.5);
        assertEquals(e / (e + 1), f[0], 0.015);
        // min-p applies to the tempered distribution: at T = 4 token 1 has p1/p0 = e^-0.5 = 0.61 > 0.5
        f = frequencies(new Sampler(sampling(9).withTemperature(4f).withMinP(0.5f)), new float[] {2f, 0f}, NO_HISTORY);
        assertTrue(f[1] > 0.3);
        // at T = 1, p1/p0 = e^-2 = 0.135 < 0.5: dropped
        f = frequencies(new Sampler(sampling(9).withMinP(0.5f)), new float[] {2f, 0f}, NO_HISTORY);
        assertEquals(0.0, f[1]);
    }

    @Test
    void topPOnALargeVocabularyMatchesABruteForceNucleus() {
        SplittableRandom r = new SplittableRandom(42);
        float[] logits = new float[151_936];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (r.nextGaussian() * 3);
        }
        float p = 0.9f;
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int[] rank = new int[logits.length];
        for (int i = 0; i < order.length; i++) {
            rank[order[i]] = i;
        }
        double max = logits[order[0]];
        double total = 0;
        for (float l : logits) {
            total += Math.exp(l - max);
        }
        boolean[] nucleus = new boolean[logits.length];
        double cum = 0;
        int size = 0;
        for (Integer id : order) {
            if (cum >= p * total) {
                break;
            }
            nucleus[id] = true;
            cum += Math.exp(logits[id] - max);
            size++;
        }
        assertTrue(size > 1000, "nucleus of " + size + " tokens");
        Sampler s = new Sampler(sampling(12).withTopP(p));
        float[] copy = logits.clone();
        boolean[] seen = new boolean[logits.length];
        int distinct = 0;
        for (int i = 0; i < 400; i++) {
            int t = s.sample(logits, NO_HISTORY, 0);
            assertTrue(nucleus[t], "token " + t + " outside the nucleus");
            if (!seen[t]) {
                seen[t] = true;
                distinct++;
            }
        }
        assertTrue(distinct > 150, distinct + " distinct tokens drawn");
        assertArrayEquals(copy, logits, "the sampler must not modify the logits");
        // combined with top-k, the nucleus is taken within the top k
        Sampler sk = new Sampler(sampling(13).withTopK(40).withTopP(p));
        for (int i = 0; i < 500; i++) {
            int t = sk.sample(logits, NO_HISTORY, 0);
            assertTrue(rank[t] < 40, "rank " + rank[t]);
        }
    }

    @Test
    void aSeedReplaysTheSameSequence() {
        float[] logits = new float[50];
        int[] a = new int[200];
        int[] b = new int[200];
        int[] c = new int[200];
        Sampler s1 = new Sampler(sampling(123));
        Sampler s2 = new Sampler(sampling(123));
        Sampler s3 = new Sampler(sampling(124));
        for (int i = 0; i < a.length; i++) {
            a[i] = s1.sample(logits, NO_HISTORY, 0);
            b[i] = s2.sample(logits, NO_HISTORY, 0);
            c[i] = s3.sample(logits, NO_HISTORY, 0);
        }
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SamplerConfig.GREEDY.withTopP(0f));
        assertThrows(IllegalArgumentException.class, () -> SamplerConfig.GREEDY.withTopP(1.5f));
        assertThrows(IllegalArgumentException.class, () -> SamplerConfig.GREEDY.withMinP(-0.1f));
        assertThrows(IllegalArgumentException.class, () -> SamplerConfig.GREEDY.withRepetitionPenalty(0f, 64));
        assertThrows(IllegalArgumentException.class, () -> SamplerConfig.GREEDY.withRepetitionPenalty(1.1f, -1));
        assertThrows(IllegalArgumentException.class, () -> SamplerConfig.GREEDY.withTemperature(Float.NaN));
    }
}
