package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The blocked, register-tiled attention of both caches against a direct double-precision
 * computation, on shapes the tiny model does not have: odd head dimensions and group sizes (row
 * and lane remainders), several query tokens, and contexts crossing the key-block (page) size;
 * and the paging itself: stores that straddle pages, memory committed page by page, limits.
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

    static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Stores of many positions at once, straddling page boundaries, hold exactly what one-by-one stores hold. */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void batchedStoresAcrossPagesEqualSinglePositionStores(KvCacheType type) {
        int kvHeads = 2;
        int hd = 24;
        int kvDim = kvHeads * hd;
        int capacity = 700; // pages of 256, 256 and a narrower last one
        int n = 650;
        SplittableRandom r = new SplittableRandom(5);
        float[] k = gaussian(r, n * kvDim);
        float[] v = gaussian(r, n * kvDim);
        try (KvCache one = KvCache.create(type, 2, capacity, kvHeads, hd);
                KvCache batched = KvCache.create(type, 2, capacity, kvHeads, hd)) {
            for (int p = 0; p < n; p++) {
                one.store(1, p, k, p * kvDim, v, p * kvDim);
            }
            int[] cuts = {0, 200, 300, 511, 513, 650}; // 200..300 and 300..511 straddle 256, 511..513 straddles 512
            for (int i = 0; i + 1 < cuts.length; i++) {
                int p0 = cuts[i];
                batched.store(1, p0, cuts[i + 1] - p0, k, p0 * kvDim, v, p0 * kvDim);
            }
            KvCache.Scratch a = one.newScratch(6);
            KvCache.Scratch b = batched.newScratch(6);
            for (int jb = 0; jb < n; jb += KvCache.KEY_BLOCK) {
                int nk = Math.min(KvCache.KEY_BLOCK, n - jb);
                for (int h = 0; h < kvHeads; h++) {
                    one.keyBlock(1, h, jb, nk, a);
                    batched.keyBlock(1, h, jb, nk, b);
                    assertArrayEquals(a.kt, b.kt, type + " keys of block " + jb + ", head " + h);
                    int tile = AttentionKernels.KEY_TILE;
                    for (int d = 0; d < hd; d++) { // and they are the stored keys, transposed within tiles
                        for (int j = 0; j < nk; j++) {
                            float want = k[(jb + j) * kvDim + h * hd + d];
                            want = type == KvCacheType.F16 ? Float.float16ToFloat(Float.floatToFloat16(want)) : want;
                            assertEquals(want, a.kt[((j / tile) * hd + d) * tile + j % tile], "key " + (jb + j) + "/" + d);
                        }
                    }
                    one.valueBlock(1, h, jb, nk, a);
                    batched.valueBlock(1, h, jb, nk, b);
                    assertArrayEquals(Arrays.copyOf(a.v, nk * hd), Arrays.copyOf(b.v, nk * hd), "values of block " + jb);
                    float want = v[(jb + nk - 1) * kvDim + h * hd + hd - 1];
                    want = type == KvCacheType.F16 ? Float.float16ToFloat(Float.floatToFloat16(want)) : want;
                    assertEquals(want, a.v[(nk - 1) * hd + hd - 1]);
                }
            }
            float[] q = gaussian(r, 3 * kvHeads * 2 * hd);
            float[] oa = new float[q.length];
            float[] ob = new float[q.length];
            int qDim = kvHeads * 2 * hd;
            for (int h = 0; h < kvHeads; h++) {
                one.attend(1, h, n - 3, 3, 2, 0.2f, q, h * 2 * hd, qDim, oa, h * 2 * hd, qDim, a);
                batched.attend(1, h, n - 3, 3, 2, 0.2f, q, h * 2 * hd, qDim, ob, h * 2 * hd, qDim, b);
            }
            // same stored data (checked exactly above); the two calls may run in different JIT states,
            // whose vector sums can differ in the last bit
            assertArrayEquals(oa, ob, 1e-6f);
            assertEquals(one.committedBytes(), batched.committedBytes());
        }
    }

    /**
     * Decode stores one head at a time from the workers, into pages reserved beforehand: the cache
     * then holds exactly what whole-position stores hold, and a store into a page that was not
     * reserved is refused.
     */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void perHeadStoresEqualWholePositionStores(KvCacheType type) {
        int kvHeads = 3;
        int hd = 40;
        int kvDim = kvHeads * hd;
        int n = 300; // crosses a page
        SplittableRandom r = new SplittableRandom(11);
        float[] k = gaussian(r, n * kvDim);
        float[] v = gaussian(r, n * kvDim);
        try (KvCache whole = KvCache.create(type, 2, n, kvHeads, hd);
                KvCache heads = KvCache.create(type, 2, n, kvHeads, hd)) {
            for (int p = 0; p < n; p++) {
                whole.store(1, p, k, p * kvDim, v, p * kvDim);
                heads.reserve(1, p, 1);
                for (int h = kvHeads - 1; h >= 0; h--) {
                    heads.storeValue(1, p, h, v, p * kvDim + h * hd);
                    heads.storeKey(1, p, h, k, p * kvDim + h * hd);
                }
            }
            assertEquals(whole.committedBytes(), heads.committedBytes());
            KvCache.Scratch a = whole.newScratch(2);
            KvCache.Scratch b = heads.newScratch(2);
            for (int jb = 0; jb < n; jb += KvCache.KEY_BLOCK) {
                int nk = Math.min(KvCache.KEY_BLOCK, n - jb);
                for (int h = 0; h < kvHeads; h++) {
                    whole.keyBlock(1, h, jb, nk, a);
                    heads.keyBlock(1, h, jb, nk, b);
                    assertArrayEquals(a.kt, b.kt, "keys of block " + jb + ", head " + h);
                    whole.valueBlock(1, h, jb, nk, a);
                    heads.valueBlock(1, h, jb, nk, b);
                    assertArrayEquals(a.v, b.v, "values of block " + jb + ", head " + h);
                }
            }
            var e = assertThrows(IllegalStateException.class, () -> heads.storeKey(0, 0, 0, k, 0));
            assertTrue(e.getMessage().contains("never stored"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> heads.storeValue(1, 0, kvHeads, v, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> heads.reserve(1, n - 1, 2));
        }
    }

    /** Pages are allocated when first stored into, per layer: memory follows the positions used. */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void committedMemoryGrowsPageByPage(KvCacheType type) {
        int kvHeads = 2;
        int hd = 16;
        int kvDim = kvHeads * hd;
        int layers = 3;
        int capacity = 1000;
        int bytes = type.bytesPerValue();
        long page = 2L * kvDim * KvCache.KEY_BLOCK * bytes;
        float[] row = new float[2 * KvCache.KEY_BLOCK * kvDim];
        try (KvCache c = KvCache.create(type, layers, capacity, kvHeads, hd)) {
            int tile = AttentionKernels.KEY_TILE;
            int padded = (capacity + tile - 1) / tile * tile;
            assertEquals(2L * layers * kvDim * padded * bytes, c.byteSize(), "reserved: every position, keys padded to the tile");
            assertEquals(0, c.committedBytes(), "nothing is allocated before the first store");
            c.store(0, 0, row, 0, row, 0);
            assertEquals(page, c.committedBytes(), "one page of one layer");
            c.store(0, 255, row, 0, row, 0);
            assertEquals(page, c.committedBytes(), "position 255 is on the same page");
            c.store(0, 250, 10, row, 0, row, 0); // 250..259 straddles into the second page
            assertEquals(2 * page, c.committedBytes());
            for (int l = 1; l < layers; l++) {
                c.store(l, 0, 300, row, 0, row, 0);
            }
            assertEquals(3 * 2 * page, c.committedBytes(), "300 positions = 2 pages in each of 3 layers");
            for (int l = 0; l < layers; l++) {
                c.store(l, 768, capacity - 768, row, 0, row, 0);
            }
            long last = 2L * kvDim * (padded - 768) * bytes; // the last page is only as wide as the context needs
            assertEquals(3 * (2 * page + last), c.committedBytes());
            for (int l = 0; l < layers; l++) {
                c.store(l, 512, 1, row, 0, row, 0);
            }
            assertEquals(c.byteSize(), c.committedBytes(), "a full cache commits what it reserves");
        }
    }

    @Test
    void storesBeyondTheCapacityOrAfterCloseFail() {
        KvCache c = KvCache.create(KvCacheType.F16, 2, 300, 1, 8);
        float[] row = new float[8 * 10];
        c.store(0, 290, 10, row, 0, row, 0);
        long committed = c.committedBytes();
        assertThrows(IndexOutOfBoundsException.class, () -> c.store(0, 295, 6, row, 0, row, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> c.store(0, -1, row, 0, row, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> c.store(2, 0, row, 0, row, 0));
        assertEquals(committed, c.committedBytes(), "a refused store allocates nothing");
        KvCache.Scratch sc = c.newScratch(1);
        assertThrows(IllegalStateException.class, () -> c.keyBlock(1, 0, 0, 1, sc), "layer 1 was never stored");
        c.close();
        c.close(); // idempotent
        assertEquals(0, c.committedBytes());
        var e = assertThrows(IllegalStateException.class, () -> c.store(0, 0, row, 0, row, 0));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.keyBlock(0, 0, 256, 10, sc));
    }
}
