package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vlm4j.model.ContextFullException;
import org.vlm4j.model.ModelInput;
import org.vlm4j.model.qwen3.Qwen3Model;
import org.vlm4j.model.qwen3.PoolsForTests;
import org.vlm4j.model.qwen3.TextGolden;
import org.vlm4j.tensor.WorkerPool;

/** Session bookkeeping: history, pending tokens, truncation, and multi-turn equivalence. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionTest {
    static WorkerPool pool;
    static Qwen3Model model;
    static int[] t1;

    @BeforeAll
    static void load() throws Exception {
        pool = PoolsForTests.create();
        model = Qwen3Model.open(TextGolden.modelPath("f32"));
        t1 = TextGolden.load("T1", "f32").promptIds;
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    @Test
    void twoTurnsEqualOnePrefillOfTheConcatenation() {
        Session s = new Session(model, 256, pool);
        Generator g = new Generator(s);
        int[] turn1 = Arrays.copyOf(t1, 20);
        int[] turn2 = Arrays.copyOfRange(t1, 20, t1.length);
        GenerationResult a = g.generate(ModelInput.tokens(turn1), new GenerationOptions(6, new int[0], SamplerConfig.GREEDY), null);
        float[] logits = s.append(ModelInput.tokens(turn2)).clone();
        int[] all = s.history();
        assertEquals(20 + 6 + turn2.length, all.length);
        assertArrayEquals(a.tokens(), Arrays.copyOfRange(all, 20, 26));
        float[] ref = model.newState(256, pool).append(ModelInput.tokens(all));
        float d = TextGolden.maxAbsDiff(ref, logits);
        assertTrue(d <= 1e-4f, "max diff " + d);
    }

    @Test
    void pushedTokensAreComputedWithTheNextAppend() {
        Session s = new Session(model, 64, pool);
        s.append(ModelInput.tokens(Arrays.copyOf(t1, 10)));
        s.push(t1[10]);
        s.push(t1[11]);
        assertEquals(12, s.position());
        assertEquals(2, s.pending());
        assertEquals(10, s.state().position());
        assertNull(s.logits());
        float[][] out = s.append(ModelInput.tokens(Arrays.copyOfRange(t1, 12, 15)), new int[] {0, 2});
        assertEquals(0, s.pending());
        assertEquals(15, s.state().position());
        float[][] ref = model.newState(64, pool).append(ModelInput.tokens(Arrays.copyOf(t1, 15)), new int[] {12, 14});
        assertTrue(TextGolden.maxAbsDiff(ref[0], out[0]) <= 1e-4f);
        assertTrue(TextGolden.maxAbsDiff(ref[1], out[1]) <= 1e-4f);
        assertEquals(out[1], s.logits());
        // decode flushes pending tokens too
        s.push(t1[15]);
        float[] d = s.decode(t1[16]);
        float[] r = model.newState(64, pool).append(ModelInput.tokens(Arrays.copyOf(t1, 17)));
        assertTrue(TextGolden.maxAbsDiff(r, d) <= 1e-4f);
    }

    @Test
    void truncateRewindsBothPendingAndComputedPositions() {
        Session s = new Session(model, 64, pool);
        s.append(ModelInput.tokens(Arrays.copyOf(t1, 10)));
        s.push(7);
        s.truncate(10);
        assertEquals(0, s.pending());
        s.truncate(4);
        assertEquals(4, s.position());
        assertEquals(4, s.state().position());
        assertArrayEquals(Arrays.copyOf(t1, 4), s.history());
        float[] again = s.append(ModelInput.tokens(Arrays.copyOfRange(t1, 4, 10)));
        float[] ref = model.newState(64, pool).append(ModelInput.tokens(Arrays.copyOf(t1, 10)));
        assertEquals(0f, TextGolden.maxAbsDiff(ref, again));
        assertThrows(IllegalArgumentException.class, () -> s.truncate(11));
        s.reset();
        assertEquals(0, s.position());
    }

    @Test
    void historyRecordsImageRowsAsEmbeddingMarkers() {
        Session s = new Session(model, 64, pool);
        s.append(ModelInput.mixed(new int[] {1, -1, -1, 2}, new float[2 * 64]));
        assertArrayEquals(new int[] {1, ModelInput.EMBEDDING, ModelInput.EMBEDDING, 2}, s.history());
    }

    @Test
    void overflowLeavesTheSessionUnchanged() {
        Session s = new Session(model, 16, pool);
        s.append(ModelInput.tokens(Arrays.copyOf(t1, 10)));
        s.push(5);
        assertThrows(ContextFullException.class, () -> s.append(ModelInput.tokens(Arrays.copyOf(t1, 6))));
        assertEquals(11, s.position());
        assertEquals(1, s.pending());
        assertThrows(IllegalArgumentException.class, () -> s.push(-3));
        float[] ok = s.append(ModelInput.tokens(Arrays.copyOf(t1, 5)));
        assertEquals(16, s.position());
        assertTrue(ok.length == 4160);
        assertThrows(ContextFullException.class, () -> s.push(1));
        assertThrows(ContextFullException.class, () -> s.decode(1));
    }

    @Test
    void closedSessionRefusesToCompute() {
        Session s = new Session(model, 64, pool);
        s.append(ModelInput.tokens(Arrays.copyOf(t1, 5)));
        s.close();
        assertThrows(IllegalStateException.class, () -> s.append(ModelInput.tokens(1, 2)));
        assertThrows(IllegalStateException.class, () -> s.decode(1));
        assertEquals(5, s.position());
    }
}
