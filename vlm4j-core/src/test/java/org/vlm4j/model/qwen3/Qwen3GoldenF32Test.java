package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vlm4j.tensor.WorkerPool;

/**
 * The tiny F32 model against llama.cpp's F32 goldens ({@code fixtures/tiny/text/*.f32.*}): logits at
 * every dumped prompt position within 1e-3 max-abs (the fixture README's F32 tolerance; HF
 * transformers agrees with llama.cpp to 4.2e-5) and the 32-step greedy path identical, for the text
 * prompts T1/T2 and the multimodal prompts M1/M2/M3 whose image rows come from the vision goldens.
 */
class Qwen3GoldenF32Test {
    static final float TOL = 1e-3f;
    static WorkerPool pool;
    static Qwen3Model model;

    @BeforeAll
    static void load() throws Exception {
        pool = WorkerPool.create(2);
        model = Qwen3Model.open(TextGolden.modelPath("f32"));
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"T1", "T2", "M1", "M2", "M3"})
    void logitsAndGreedyPathMatchLlamaCpp(String name) {
        TextGolden g = TextGolden.load(name, "f32");
        Qwen3State st = model.newState(4096, pool);
        float[][] out = st.append(g.input(), g.logitPositions);
        assertEquals(g.promptIds.length, st.position());
        for (int i = 0; i < out.length; i++) {
            float d = TextGolden.maxAbsDiff(out[i], g.logits[i]);
            assertTrue(d <= TOL, name + " position " + g.logitPositions[i] + ": max |logit diff| " + d + " > " + TOL);
        }
        int[] path = greedy(st, out[out.length - 1], g.greedy.length);
        assertArrayEquals(g.greedy, path, name + ": greedy path differs");
    }

    /** Greedy decode of n steps, ignoring end-of-generation tokens (as the goldens do). */
    static int[] greedy(Qwen3State st, float[] logits, int n) {
        int[] path = new int[n];
        float[] lg = logits;
        for (int s = 0; s < n; s++) {
            path[s] = TextGolden.argmax(lg);
            if (s + 1 < n) {
                lg = st.decode(path[s]);
            }
        }
        return path;
    }

    @Test
    void goldenStopIndexIsWhereImEndIsProduced() {
        // T2 stops at step 15 with <|im_end|> (4098): the generator relies on this id being argmax there
        TextGolden g = TextGolden.load("T2", "f32");
        assertEquals(15, g.stopIndex);
        assertEquals(4098, g.greedy[15]);
    }
}
