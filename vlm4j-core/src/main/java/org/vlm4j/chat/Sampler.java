package org.vlm4j.chat;

import java.util.SplittableRandom;
import org.vlm4j.tensor.Ops;

/**
 * Chooses the next token from a logits vector according to a {@link SamplerConfig}. Keeps its
 * random generator between calls (so a seeded sampler replays the same sequence) and its scratch
 * arrays, so a call allocates nothing. Not thread-safe; the logits array is never modified.
 */
public final class Sampler {
    /** Top-k up to this size uses a heap, larger k a selection over all keys. */
    private static final int HEAP_MAX_K = 4096;
    /** Top-p histogram: probabilities below 2^-44 share the lowest bucket; 2^16 float codes per bucket. */
    private static final int FLOOR_BITS = Float.floatToIntBits(0x1p-44f);
    private static final int BUCKET_SHIFT = 16;
    private static final int BUCKETS = ((Float.floatToIntBits(1f) - FLOOR_BITS) >> BUCKET_SHIFT) + 2;

    private final SamplerConfig config;
    private final SplittableRandom random;
    private int[] mark = new int[0];
    private int epoch;
    private float[] work = new float[0];
    private long[] keys = new long[0];
    private double[] bucketMass;
    private int histogramLo;

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
        // 1. penalised, tempered logits and their maximum
        float invT = 1f / config.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = value(logits, i, penalise) * invT;
            work[i] = v;
            if (v > max) {
                max = v;
            }
        }
        if (!(max > Float.NEGATIVE_INFINITY) || max == Float.POSITIVE_INFINITY) {
            return argmax(logits, penalise); // degenerate logits (all -inf, NaN or +inf)
        }
        // 2. probabilities relative to the most likely token: p = exp(v - max) in (0, 1]
        Ops.expShifted(work, 0, n, max);
        int topK = config.topK() > 0 && config.topK() < n ? config.topK() : 0;
        float minRel = config.minP(); // p / p_max threshold; 0 keeps everything
        if (topK == 0 && config.topP() >= 1f) {
            return draw(work, n, minRel);
        }
        int lo;
        int m;
        if (topK > 0) {
            // 3a. top-k by selection; for top-p the k survivors are sorted and cut
            m = topK <= HEAP_MAX_K ? topKByHeap(n, topK) : topKBySelection(n, topK);
            lo = m - topK;
            if (config.topP() < 1f) {
                java.util.Arrays.sort(keys, lo, m);
                double total = 0;
                for (int j = lo; j < m; j++) {
                    total += valueOf(keys[j]);
                }
                lo = cut(lo, m - 1, 0.0, config.topP() * total);
            }
        } else {
            // 3b. top-p over the whole vocabulary
            m = nucleusByHistogram(n);
            lo = histogramLo;
        }
        // 4. min-p and the draw over keys[lo .. m)
        double sum = 0;
        for (int j = lo; j < m; j++) {
            float p = valueOf(keys[j]);
            if (p >= minRel) {
                sum += p;
            }
        }
        double r = random.nextDouble() * sum;
        int chosen = idOf(keys[m - 1]);
        for (int j = m - 1; j >= lo; j--) {
            float p = valueOf(keys[j]);
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

    /** Leaves the top k keys of {@code work[0..n)} in {@code keys[0..k)} (a min-heap); returns k. */
    private int topKByHeap(int n, int k) {
        int size = 0;
        for (int i = 0; i < n; i++) {
            float p = work[i];
            if (size < k) {
                long key = key(p, i);
                int c = size++;
                while (c > 0) { // sift up
                    int parent = (c - 1) >>> 1;
                    if (keys[parent] <= key) {
                        break;
                    }
                    keys[c] = keys[parent];
                    c = parent;
                }
                keys[c] = key;
            } else if (p >= valueOf(keys[0])) {
                long key = key(p, i);
                if (key > keys[0]) {
                    int c = 0; // replace the minimum and sift down
                    while (true) {
                        int l = 2 * c + 1;
                        if (l >= k) {
                            break;
                        }
                        int r = l + 1;
                        int smallest = r < k && keys[r] < keys[l] ? r : l;
                        if (keys[smallest] >= key) {
                            break;
                        }
                        keys[c] = keys[smallest];
                        c = smallest;
                    }
                    keys[c] = key;
                }
            }
        }
        return k;
    }

    /** Leaves the top k keys of {@code work[0..n)} in {@code keys[n-k..n)}; returns n. */
    private int topKBySelection(int n, int k) {
        for (int i = 0; i < n; i++) {
            keys[i] = key(work[i], i);
        }
        select(keys, 0, n, n - k);
        return n;
    }

    /** A weighted draw over {@code p[0..n)} ignoring entries below {@code minRel}. */
    private int draw(float[] p, int n, float minRel) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (p[i] >= minRel) {
                sum += p[i];
            }
        }
        double r = random.nextDouble() * sum;
        int chosen = 0;
        for (int i = 0; i < n; i++) {
            if (p[i] >= minRel && p[i] > 0f) {
                chosen = i;
                r -= p[i];
                if (r < 0) {
                    break;
                }
            }
        }
        return chosen;
    }

    /**
     * Walks the ascending-sorted keys down from {@code j}, adding probabilities to {@code cum} while
     * it is below {@code target}: a token is kept when the mass of the tokens ranked above it is
     * below top-p of the total (Hugging Face semantics; the most likely token is always kept).
     * Returns the index of the last kept key.
     */
    private int cut(int lo, int j, double cum, double target) {
        while (j >= lo && cum < target) {
            cum += valueOf(keys[j]);
            j--;
        }
        return j + 1;
    }

    private static int bucket(float p) {
        int b = Float.floatToIntBits(p) - FLOOR_BITS;
        return b < 0 ? 0 : (b >> BUCKET_SHIFT) + 1;
    }

    /**
     * Finds the top-p nucleus of the probabilities in {@code work[0..n)} without sorting the whole
     * vocabulary: a histogram of probability mass per float exponent/mantissa bucket locates the
     * bucket where the cumulative mass (from the top) crosses top-p. Tokens above that bucket are all
     * inside, tokens below are all outside, and only the boundary bucket is sorted. Leaves the
     * boundary bucket sorted ascending at the start of {@code keys} followed by the tokens above it,
     * sets {@link #histogramLo} to the first kept key and returns the end of the keys.
     */
    private int nucleusByHistogram(int n) {
        if (bucketMass == null) {
            bucketMass = new double[BUCKETS];
        }
        java.util.Arrays.fill(bucketMass, 0.0);
        double total = 0;
        for (int i = 0; i < n; i++) {
            float p = work[i];
            if (p > 0f) {
                bucketMass[bucket(p)] += p;
                total += p;
            }
        }
        double target = config.topP() * total;
        double above = 0;
        int boundary = BUCKETS - 1;
        while (boundary > 0 && above + bucketMass[boundary] < target) {
            above += bucketMass[boundary];
            boundary--;
        }
        int m = 0;
        for (int i = 0; i < n; i++) {
            float p = work[i];
            if (p > 0f && bucket(p) == boundary) {
                keys[m++] = key(p, i);
            }
        }
        int inBoundary = m;
        java.util.Arrays.sort(keys, 0, inBoundary);
        for (int i = 0; i < n; i++) {
            float p = work[i];
            if (p > 0f && bucket(p) > boundary) {
                keys[m++] = key(p, i);
            }
        }
        histogramLo = cut(0, inBoundary - 1, above, target);
        return m;
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
