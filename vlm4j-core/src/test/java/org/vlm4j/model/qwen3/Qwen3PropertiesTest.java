package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vlm4j.model.ContextFullException;
import org.vlm4j.model.ModelInput;
import org.vlm4j.tensor.WorkerPool;

/**
 * Invariants of the forward pass that do not need a golden: batching, chunking, logit selection,
 * embedding-row input, truncation and context limits, for both KV-cache types, within a page and
 * across the 256-position pages of the cache; and the cache's memory following the positions used.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Qwen3PropertiesTest {
    static WorkerPool pool;
    static Qwen3Model model;
    static int[] prompt;

    @BeforeAll
    static void load() throws Exception {
        pool = PoolsForTests.create();
        model = Qwen3Model.open(TextGolden.modelPath("f32"));
        prompt = TextGolden.load("T1", "f32").promptIds; // 33 tokens
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /**
     * How far two ways of computing the same logits may differ: batched and single-token products
     * round differently in the last bits, and an F16 cache can turn such a difference into one f16
     * step (2^-11 relative) of a key or value, so F16 gets 3e-3 (an indexing or paging error moves
     * logits by far more). Measured over the 33 positions of the T1 prompt: at most 5.5e-4 with
     * 256-bit vectors, 2.0e-3 with 128-bit ones ({@code -XX:MaxVectorSize=16}, as on NEON).
     */
    static float tol(KvCacheType type) {
        return type == KvCacheType.F32 ? 1e-4f : 3e-3f;
    }

    static Qwen3State state(int context, KvCacheType type) {
        return model.newState(context, Qwen3State.DEFAULT_BATCH, type, pool);
    }

    /** {@code n} ordinary token ids: the prompt repeated. */
    static int[] longPrompt(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = prompt[i % prompt.length];
        }
        return ids;
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void batchedPrefillEqualsSingleTokenSteps(KvCacheType type) {
        float[][] batch = state(64, type).append(ModelInput.tokens(prompt), range(prompt.length));
        Qwen3State st = state(64, type);
        for (int i = 0; i < prompt.length; i++) {
            float[] step = st.decode(prompt[i]);
            float d = TextGolden.maxAbsDiff(batch[i], step);
            assertTrue(d <= tol(type), type + " position " + i + ": " + d);
        }
        assertEquals(prompt.length, st.position());
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void chunkedPrefillEqualsOneBatch(KvCacheType type) {
        float[][] one = state(64, type).append(ModelInput.tokens(prompt), range(prompt.length));
        Qwen3State small = model.newState(64, 5, type, pool);
        int[] some = {0, 4, 5, 6, 17, 31, 32};
        float[][] chunked = small.append(ModelInput.tokens(prompt), some);
        for (int i = 0; i < some.length; i++) {
            float d = TextGolden.maxAbsDiff(one[some[i]], chunked[i]);
            assertTrue(d <= tol(type), type + " index " + some[i] + ": " + d);
        }
    }

    @Test
    void skippingLogitsDoesNotChangeTheCache() {
        float[][] ref = model.newState(64, pool).append(ModelInput.tokens(prompt), range(prompt.length));
        Qwen3State st = model.newState(64, pool);
        float[][] none = st.append(ModelInput.tokens(prompt, 0, 20), new int[0]);
        assertEquals(0, none.length);
        float[] last = st.append(ModelInput.tokens(prompt, 20, prompt.length - 20));
        assertTrue(TextGolden.maxAbsDiff(ref[prompt.length - 1], last) <= 1e-4f);
    }

    @Test
    void embeddingRowsBehaveLikeTheirTokens() {
        float[] emb = model.tokenEmbedding().toFloatArray();
        int[] ids = prompt.clone();
        int[] rowsAt = {0, 7, 8, 20, 32};
        float[] rows = new float[rowsAt.length * 64];
        for (int i = 0; i < rowsAt.length; i++) {
            System.arraycopy(emb, prompt[rowsAt[i]] * 64, rows, i * 64, 64);
            ids[rowsAt[i]] = ModelInput.EMBEDDING;
        }
        float[] a = model.newState(64, pool).append(ModelInput.tokens(prompt)).clone();
        float[] b = model.newState(64, pool).append(ModelInput.mixed(ids, rows)).clone();
        assertEquals(0f, TextGolden.maxAbsDiff(a, b));
        // all rows, and a slice of a mixed input
        float[] all = new float[prompt.length * 64];
        for (int i = 0; i < prompt.length; i++) {
            System.arraycopy(emb, prompt[i] * 64, all, i * 64, 64);
        }
        float[] c = model.newState(64, pool).append(ModelInput.embeddings(all, prompt.length)).clone();
        assertEquals(0f, TextGolden.maxAbsDiff(a, c));
        Qwen3State st = model.newState(64, pool);
        ModelInput mixed = ModelInput.mixed(ids, rows);
        st.append(mixed.slice(0, 10), new int[0]);
        float[] d = st.append(mixed.slice(10, prompt.length));
        assertTrue(TextGolden.maxAbsDiff(a, d) <= 1e-4f, "chunked prefill rounds like one batch within 1e-4");
    }

    /**
     * Past the first page: one batch of 600 positions equals single-token steps, and chunked
     * prefills whose chunks straddle the page boundaries at 256 and 512.
     */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void longContextAcrossPagesEqualsStepsAndChunks(KvCacheType type) {
        int n = 600;
        int[] ids = longPrompt(n);
        int[] at = {0, 255, 256, 257, 300, 511, 512, 599};
        float[][] batch = state(1000, type).append(ModelInput.tokens(ids), at);
        Qwen3State steps = state(1000, type);
        int ai = 0;
        for (int i = 0; i < n; i++) {
            float[] lg = steps.decode(ids[i]);
            if (ai < at.length && at[ai] == i) {
                float d = TextGolden.maxAbsDiff(batch[ai], lg);
                assertTrue(d <= tol(type), type + " position " + i + ": " + d);
                ai++;
            }
        }
        Qwen3State chunked = model.newState(1000, 100, type, pool); // chunk 200..299 straddles 256, 500..599 straddles 512
        float[][] c = chunked.append(ModelInput.tokens(ids), at);
        for (int i = 0; i < at.length; i++) {
            float d = TextGolden.maxAbsDiff(batch[i], c[i]);
            assertTrue(d <= tol(type), type + " chunked, position " + at[i] + ": " + d);
        }
        // rewinding into the first page and re-appending reuses the pages and reproduces the logits
        long committed = chunked.kvCacheCommittedBytes();
        chunked.truncate(250);
        float[][] again = chunked.append(ModelInput.tokens(ids, 250, n - 250), new int[] {599 - 250});
        assertEquals(committed, chunked.kvCacheCommittedBytes());
        assertTrue(TextGolden.maxAbsDiff(c[at.length - 1], again[0]) <= tol(type));
    }

    /** The KV cache commits 256-position pages per layer as positions are used, and close() frees them. */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void kvCacheMemoryFollowsThePositionsUsed(KvCacheType type) {
        long page = 2L * KvCache.KEY_BLOCK * 64 * type.bytesPerValue(); // K and V of 256 positions of one layer
        Qwen3State st = state(4096, type);
        assertEquals(0, st.kvCacheCommittedBytes());
        assertEquals(2L * 2 * 4096 * 64 * type.bytesPerValue(), st.kvCacheBytes(), "reserved for the whole context");
        st.append(ModelInput.tokens(prompt));
        assertEquals(2 * page, st.kvCacheCommittedBytes(), "33 positions: one page in each of 2 layers");
        st.append(ModelInput.tokens(longPrompt(300)));
        assertEquals(2 * 2 * page, st.kvCacheCommittedBytes(), "333 positions: two pages per layer");
        st.reset();
        st.append(ModelInput.tokens(prompt));
        assertEquals(2 * 2 * page, st.kvCacheCommittedBytes(), "pages are kept for reuse after a reset");
        st.close();
        assertEquals(0, st.kvCacheCommittedBytes());
        st.close();
        var e = assertThrows(IllegalStateException.class, () -> st.decode(1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> st.append(ModelInput.tokens(prompt)));
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void truncateAndReappendReproducesLogits(KvCacheType type) {
        Qwen3State st = state(64, type);
        float[] full = st.append(ModelInput.tokens(prompt)).clone();
        st.truncate(20);
        assertEquals(20, st.position());
        float[] again = st.append(ModelInput.tokens(prompt, 20, prompt.length - 20));
        assertEquals(0f, TextGolden.maxAbsDiff(full, again));
        assertThrows(IllegalArgumentException.class, () -> st.truncate(st.position() + 1));
        st.reset();
        assertEquals(0, st.position());
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void overlongInputFailsCleanlyAndStateStaysUsable(KvCacheType type) {
        Qwen3State st = state(40, type);
        int[] tooLong = Arrays.copyOf(prompt, 41);
        var e = assertThrows(ContextFullException.class, () -> st.append(ModelInput.tokens(tooLong)));
        assertTrue(e.getMessage().contains("41") && e.getMessage().contains("40"), e.getMessage());
        assertEquals(0, st.position());
        float[] logits = st.append(ModelInput.tokens(prompt)).clone();
        assertEquals(33, st.position());
        assertThrows(ContextFullException.class, () -> st.append(ModelInput.tokens(new int[8])));
        assertEquals(33, st.position());
        float[] ref = state(64, type).append(ModelInput.tokens(prompt));
        assertTrue(TextGolden.maxAbsDiff(ref, logits) <= tol(type), "a refused input leaves the state as it was");
        for (int i = 0; i < 7; i++) {
            st.decode(1);
        }
        assertEquals(40, st.position());
        assertThrows(ContextFullException.class, () -> st.decode(1));
        assertEquals(40, st.position());
    }

    @Test
    void badInputsAreRejectedBeforeAnythingChanges() {
        Qwen3State st = model.newState(64, pool);
        st.append(ModelInput.tokens(1, 2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> st.append(ModelInput.tokens(5, 4160)));
        assertTrue(e.getMessage().contains("4160"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> st.decode(-1));
        assertThrows(IllegalArgumentException.class, () -> st.append(ModelInput.embeddings(new float[2 * 32], 2)));
        assertThrows(IllegalArgumentException.class, () -> st.append(ModelInput.empty()));
        assertThrows(IllegalArgumentException.class, () -> st.append(ModelInput.tokens(1, 2), new int[] {1, 0}));
        assertEquals(3, st.position());
        assertThrows(IllegalArgumentException.class, () -> model.newState(4097, pool));
    }

    /**
     * The decode loop allocates nothing once the JIT has compiled it (before that the Vector API
     * boxes its vectors). Measured on this thread in rounds; the best round must be allocation-free,
     * so a slow JIT on a loaded machine only makes the test take a few more rounds. A one-thread
     * pool runs every chunk inline, so this measures the model code alone (a multi-thread pool may
     * keep a little bookkeeping per parallel region).
     */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void decodeStepsAllocateNothing(KvCacheType type) {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        WorkerPool inline = WorkerPool.create(1);
        Qwen3State st = model.newState(1024, Qwen3State.DEFAULT_BATCH, type, inline);
        st.append(ModelInput.tokens(prompt));
        int token = 5;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 40 && best > 0; round++) {
            st.truncate(prompt.length);
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200; i++) {
                token = TextGolden.argmax(st.decode(token));
            }
            best = Math.min(best, (bean.getCurrentThreadAllocatedBytes() - before) / 200);
        }
        inline.close();
        assertEquals(0, best, "bytes allocated per decode step");
    }

    @Test
    void kvCacheIsSizedByTheRequestedContext() {
        long nominal = 2L * 2 * 100 * 64 * 4; // K and V, 2 layers, 100 positions, 64 values, f32
        assertEquals(nominal, model.kvCacheBytes(100, KvCacheType.F32));
        long actual = model.newState(100, pool).kvCacheBytes(); // keys padded to the vector tile
        assertTrue(actual >= nominal && actual <= nominal * 1.5, actual + " bytes");
        assertArrayEquals(new int[] {1, -1, 2}, ModelInput.mixed(new int[] {1, -1, 2}, new float[64]).toIds());
    }
}
