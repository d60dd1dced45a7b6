package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vlm4j.model.ModelInput;
import org.vlm4j.tensor.WorkerPool;

/**
 * The logits do not depend on the thread count, to the bit, so a prompt, a greedy answer and a
 * seeded sampler come out the same with any {@code -t} (README). The products split their rows
 * (and a prompt's tokens) into chunks by the thread count; every row must get the same bits
 * whichever chunk holds it. The decode's chunks are multiples of 16 rows, and the four-row and
 * one-row kernels give a row the same bits, so either alone keeps this true. Checked to fail:
 * with unaligned chunks and a one-row Q8_0 kernel that sums its lanes in another order, the logits
 * of 3 threads differed from 1 thread's at token 344 (the first chunk's leftover rows).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Qwen3ThreadCountTest {
    private static final int STEPS = 6;

    @ParameterizedTest
    @CsvSource({"q8_0, F16", "f32, F32"})
    void logitsAreTheSameWithAnyThreadCount(String weights, KvCacheType kvType) throws Exception {
        int[] prompt = TextGolden.load("T1", weights).promptIds;
        try (Qwen3Model model = Qwen3Model.open(TextGolden.modelPath(weights))) {
            float[][] one = run(model, prompt, kvType, 1);
            for (int threads : new int[] {2, 3, 5}) {
                float[][] other = run(model, prompt, kvType, threads);
                assertEquals(one.length, other.length);
                for (int i = 0; i < one.length; i++) {
                    int d = firstDifference(one[i], other[i]);
                    assertEquals(-1, d, weights + ": with " + threads + " threads the logits of step " + i
                            + " differ in their bits from 1 thread's, first at token " + d);
                }
            }
        }
    }

    /** The prompt's logits at every position, then {@link #STEPS} greedy decode steps. */
    private static float[][] run(Qwen3Model model, int[] prompt, KvCacheType kvType, int threads) {
        try (WorkerPool pool = WorkerPool.create(threads)) {
            Qwen3State st = model.newState(prompt.length + STEPS + 1, Qwen3State.DEFAULT_BATCH, kvType, pool);
            int[] at = new int[prompt.length];
            for (int i = 0; i < at.length; i++) {
                at[i] = i;
            }
            float[][] out = new float[prompt.length + STEPS][];
            float[][] p = st.append(ModelInput.tokens(prompt), at);
            for (int i = 0; i < p.length; i++) {
                out[i] = p[i].clone();
            }
            float[] last = out[prompt.length - 1];
            for (int s = 0; s < STEPS; s++) {
                last = st.decode(TextGolden.argmax(last)).clone();
                out[prompt.length + s] = last;
            }
            return out;
        }
    }

    /** The first index where the two arrays' bits differ, or -1. */
    static int firstDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return i;
            }
        }
        return -1;
    }
}
