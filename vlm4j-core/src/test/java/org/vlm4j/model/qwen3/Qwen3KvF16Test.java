package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vlm4j.model.ModelInput;
import org.vlm4j.tensor.WorkerPool;

/**
 * The half-precision KV cache: keys and values rounded to f16 move the logits a little (measured
 * max-abs vs the llama.cpp F32-cache goldens: 0.007 (T1), 0.016 (T2), 0.006 (M1), 0.007 (M3)) and
 * the greedy paths stay the golden ones (teacher-forcing gap 0 on all four cases).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Qwen3KvF16Test {
    static final float TOL = 0.03f;
    static final float GAP = 0.03f;
    static WorkerPool pool;
    static Qwen3Model model;

    @BeforeAll
    static void load() throws Exception {
        pool = PoolsForTests.create();
        model = Qwen3Model.open(TextGolden.modelPath("f32"));
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"T1", "T2", "M1", "M3"})
    void f16CacheStaysCloseToTheF32Goldens(String name) {
        TextGolden g = TextGolden.load(name, "f32");
        Qwen3State st = model.newState(1024, Qwen3State.DEFAULT_BATCH, KvCacheType.F16, pool);
        float[][] out = st.append(g.input(), g.logitPositions);
        float worst = 0;
        for (int i = 0; i < out.length; i++) {
            worst = Math.max(worst, TextGolden.maxAbsDiff(out[i], g.logits[i]));
        }
        assertTrue(worst <= TOL, name + ": max |diff| " + worst);
        assertTrue(worst > 0f, "an F16 cache should not be bit-identical to F32");
        float[] lg = out[out.length - 1];
        float gap = 0;
        for (int s = 0; s < g.greedy.length; s++) {
            int top = TextGolden.argmax(lg);
            gap = Math.max(gap, lg[top] - lg[g.greedy[s]]);
            if (s + 1 < g.greedy.length) {
                lg = st.decode(g.greedy[s]);
            }
        }
        assertTrue(gap <= GAP, name + ": teacher-forcing gap " + gap);
    }

    @Test
    void f16CacheTakesHalfTheMemoryAndBatchesLikeDecode() {
        Qwen3State a = model.newState(100, Qwen3State.DEFAULT_BATCH, KvCacheType.F16, pool);
        assertEquals(model.newState(100, pool).kvCacheBytes() / 2, a.kvCacheBytes());
        int[] ids = TextGolden.load("T1", "f32").promptIds;
        int[] all = new int[ids.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        float[][] batch = a.append(ModelInput.tokens(ids), all);
        Qwen3State b = model.newState(100, Qwen3State.DEFAULT_BATCH, KvCacheType.F16, pool);
        for (int i = 0; i < ids.length; i++) {
            // f16 rounding of K/V can flip by one ulp between the batched and the single-token kernels
            // (the tolerance of Qwen3PropertiesTest.tol, which gives the measured sizes)
            float d = TextGolden.maxAbsDiff(batch[i], b.decode(ids[i]));
            assertTrue(d <= Qwen3PropertiesTest.tol(KvCacheType.F16), "position " + i + ": " + d);
        }
    }
}
