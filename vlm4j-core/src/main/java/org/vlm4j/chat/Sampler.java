package org.vlm4j.chat;

import java.util.SplittableRandom;

/**
 * Chooses the next token from a logits vector according to a {@link SamplerConfig}. Keeps its
 * random generator between calls (so a seeded sampler replays the same sequence) and its scratch
 * arrays, so a call allocates nothing. Not thread-safe; the logits array is never modified.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final SplittableRandom random;
    private int[] mark = new int[0];
    private int epoch;
    private float[] work = new float[0];
    private long[] keys = new long[0];

    public Sampler(SamplerConfig config) {
        this.config = config;
        this.random = config.seed() == SamplerConfig.RANDOM_SEED ? new SplittableRandom() : new SplittableRandom(config.seed());
    }

    public SamplerConfig config() {
        return config;
    }

    /**
     * Picks a token id in {@code [0, logits.length)}.
     *
     * @param logits scores of every vocabulary entry (not modified)
     * @param history the sequence so far; its last {@code repetitionLastN} entries among
     *     {@code history[0 .. historyLength)} are penalised (negative entries, e.g. image rows, are
     *     ignored)
     * @param historyLength number of valid entries in {@code history}
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        int n = logits.length;
        boolean penalise = config.repetitionPenalty() != 1f && config.repetitionLastN() > 0 && historyLength > 0;
        if (penalise) {
            markRecent(n, history, historyLength);
        }
        if (config.isGreedy()) {
            return argmax(logits, penalise);
        }
        return sampleStochastic(logits, penalise);
    }

    private void markRecent(int vocab, int[] history, int len) {
        if (mark.length < vocab) {
            mark = new int[vocab];
            epoch = 0;
        }
        if (++epoch == Integer.MAX_VALUE) {
            java.util.Arrays.fill(mark, 0);
            epoch = 1;
        }
        int from = Math.max(0, len - config.repetitionLastN());
        for (int i = from; i < len; i++) {
            int t = history[i];
            if (t >= 0 && t < vocab) {
                mark[t] = epoch;
            }
        }
    }

    private float value(float[] logits, int i, boolean penalise) {
        float v = logits[i];
        if (penalise && mark[i] == epoch) {
            float p = config.repetitionPenalty();
            v = v > 0 ? v / p : v * p;
        }
        return v;
    }

    private int argmax(float[] logits, boolean penalise) {
        int best = 0;
        float bv = value(logits, 0, penalise);
        for (int i = 1; i < logits.length; i++) {
            float v = value(logits, i, penalise);
            if (v > bv) {
                bv = v;
                best = i;
            }
        }
        return best;
    }

    private int sampleStochastic(float[] logits, boolean penalise) {
        int n = logits.length;
        if (work.length < n) {
            work = new float[n];
            keys = new long[n];
        }
        float invT = 1f / config.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = value(logits, i, penalise) * invT;
            work[i] = v;
            if (v > max) {
                max = v;
            }
        }
        // candidates as sortable keys (value, then lower id first)
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (work[i] != Float.NEGATIVE_INFINITY) {
                keys[m++] = key(work[i], i);
            }
        }
        if (m == 0) {
            return argmax(logits, penalise);
        }
        int k = config.topK() > 0 ? Math.min(config.topK(), m) : m;
        if (k < m) {
            select(keys, 0, m, m - k); // keys[m-k .. m) = the top k, unordered
        }
        int lo = m - k; // kept candidates are keys[lo .. m)
        // probabilities relative to the most likely token: exp(v - max); that token is always kept
        if (config.topP() < 1f) {
            double total = 0;
            for (int j = lo; j < m; j++) {
                total += Math.exp(valueOf(keys[j]) - max);
            }
            double target = config.topP() * total;
            // walk the candidates from the most likely down, sorting the tail lazily in growing pieces
            int sortedFrom = sortTop(lo, m, Math.min(k, 64));
            double cum = 0;
            int j = m - 1;
            while (j >= lo && cum < target) {
                if (j < sortedFrom) {
                    sortedFrom = sortTop(lo, m, Math.min(k, 4 * (m - sortedFrom)));
                }
                cum += Math.exp(valueOf(keys[j]) - max);
                j--;
            }
            lo = j + 1;
        }
        double minRel = config.minP(); // p / p_max threshold; 0 keeps everything
        double sum = 0;
        for (int j = lo; j < m; j++) {
            double p = Math.exp(valueOf(keys[j]) - max);
            if (p >= minRel) {
                sum += p;
            }
        }
        double r = random.nextDouble() * sum;
        int chosen = -1;
        for (int j = m - 1; j >= lo; j--) {
            double p = Math.exp(valueOf(keys[j]) - max);
            if (p < minRel) {
                continue;
            }
            chosen = idOf(keys[j]);
            r -= p;
            if (r < 0) {
                break;
            }
        }
        return chosen;
    }

    /**
     * Makes the largest {@code count} keys of {@code keys[lo..m)} sorted ascending at the end of that
     * range; returns the index where the sorted part starts.
     */
    private int sortTop(int lo, int m, int count) {
        int s = Math.max(1, Math.min(m - lo, count));
        if (m - s > lo) {
            select(keys, lo, m, m - s);
        }
        java.util.Arrays.sort(keys, m - s, m);
        return m - s;
    }

    /** Partially sorts {@code a[from, to)} so that {@code a[nth]} is in its sorted place. */
    static void select(long[] a, int from, int to, int nth) {
        int lo = from;
        int hi = to - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            // median of three as pivot
            if (a[mid] < a[lo]) {
                swap(a, mid, lo);
            }
            if (a[hi] < a[lo]) {
                swap(a, hi, lo);
            }
            if (a[hi] < a[mid]) {
                swap(a, hi, mid);
            }
            long pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            if (nth <= j) {
                hi = j;
            } else if (nth >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    private static long key(float v, int id) {
        int bits = Float.floatToIntBits(v);
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) sortable << 32) | (0xFFFFFFFFL - id);
    }

    private static float valueOf(long key) {
        int sortable = (int) (key >> 32);
        int bits = sortable ^ ((sortable >> 31) & 0x7FFFFFFF);
        return Float.intBitsToFloat(bits);
    }

    private static int idOf(long key) {
        return (int) (0xFFFFFFFFL - (key & 0xFFFFFFFFL));
    }
}
