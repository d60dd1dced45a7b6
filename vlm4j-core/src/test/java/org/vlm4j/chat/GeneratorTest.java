package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

/**
 * The decode loop on the tiny F32 model: greedy output equals llama.cpp's greedy goldens, each stop
 * reason, cancellation, timings, and what the session holds afterwards.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GeneratorTest {
    static final int IM_END = 4098; // <|im_end|> in the tiny vocabulary (fixture README section 1)
    static WorkerPool pool;
    static Qwen3Model model;
    static TextGolden t2;

    @BeforeAll
    static void load() throws Exception {
        pool = PoolsForTests.create();
        model = Qwen3Model.open(TextGolden.modelPath("f32"));
        t2 = TextGolden.load("T2", "f32");
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    static GenerationOptions greedy(int max, int... stops) {
        return new GenerationOptions(max, stops, SamplerConfig.GREEDY);
    }

    @Test
    void stopsAtEndOfGenerationTokenWithTheGoldenAnswer() {
        Session s = new Session(model, 256, pool);
        List<Integer> heard = new ArrayList<>();
        GenerationResult r = new Generator(s).generate(t2.input(), greedy(100, IM_END, 4096), heard::add);
        assertEquals(StopReason.EOS, r.stopReason());
        assertEquals(IM_END, r.stopToken());
        assertArrayEquals(Arrays.copyOf(t2.greedy, t2.stopIndex), r.tokens());
        assertEquals(t2.stopIndex, heard.size());
        for (int i = 0; i < heard.size(); i++) {
            assertEquals(r.tokens()[i], heard.get(i));
        }
        // the session holds prompt + answer, not the end token, all computed
        assertEquals(8 + t2.stopIndex, s.position());
        assertEquals(0, s.pending());
        assertEquals(8, r.promptTokens());
        assertTrue(r.promptNanos() > 0 && r.generateNanos() > 0);
        assertTrue(r.tokensPerSecond() > 0);
    }

    @Test
    void lengthLimitAndContinuationEqualOneLongRun() {
        Session s = new Session(model, 256, pool);
        Generator g = new Generator(s);
        GenerationResult a = g.generate(t2.input(), greedy(5), null);
        assertEquals(StopReason.LENGTH, a.stopReason());
        assertArrayEquals(Arrays.copyOf(t2.greedy, 5), a.tokens());
        assertEquals(13, s.position());
        assertEquals(1, s.pending(), "the last token is kept without computing it");
        assertNull(s.logits());
        // continue with an empty prompt: the pending token is computed first
        GenerationResult b = g.generate(ModelInput.empty(), greedy(10), null);
        assertEquals(1, b.promptTokens());
        assertArrayEquals(Arrays.copyOfRange(t2.greedy, 5, 15), b.tokens());
        GenerationResult none = g.generate(ModelInput.empty(), greedy(0), null);
        assertEquals(StopReason.LENGTH, none.stopReason());
        assertEquals(0, none.generatedTokens());
    }

    @Test
    void fullContextStops() {
        Session s = new Session(model, 12, pool);
        GenerationResult r = new Generator(s).generate(t2.input(), greedy(100), null);
        assertEquals(StopReason.CONTEXT, r.stopReason());
        assertArrayEquals(Arrays.copyOf(t2.greedy, 4), r.tokens());
        assertEquals(12, s.position());
        assertEquals(0, s.remaining());
        // nothing more fits, but the session can be rewound and reused
        assertThrows(ContextFullException.class, () -> s.append(ModelInput.tokens(1)));
        s.truncate(8);
        float[] logits = s.append(ModelInput.tokens(t2.greedy[0]));
        assertEquals(t2.greedy[1], TextGolden.argmax(logits));
    }

    @Test
    void tooLongPromptIsRejectedAndTheSessionStaysUsable() {
        Session s = new Session(model, 10, pool);
        Generator g = new Generator(s);
        g.generate(ModelInput.tokens(785, 3974), greedy(1), null);
        int before = s.position();
        var e = assertThrows(ContextFullException.class, () -> g.generate(t2.input(), greedy(5), null));
        assertTrue(e.getMessage().contains("context"), e.getMessage());
        assertEquals(before, s.position());
        s.reset();
        GenerationResult r = g.generate(t2.input(), greedy(2), null);
        assertArrayEquals(Arrays.copyOf(t2.greedy, 2), r.tokens());
    }

    @Test
    void cancelFromTheListenerStopsAfterThatToken() {
        Session s = new Session(model, 256, pool);
        Generator g = new Generator(s);
        int[] count = {0};
        GenerationResult r = g.generate(t2.input(), greedy(100), t -> {
            if (++count[0] == 3) {
                g.cancel();
            }
        });
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertArrayEquals(Arrays.copyOf(t2.greedy, 3), r.tokens());
        assertEquals(11, s.position());
        // a cancel while idle does not affect the next run
        g.cancel();
        assertEquals(StopReason.LENGTH, g.generate(ModelInput.empty(), greedy(2), null).stopReason());
    }

    @Test
    void cancelFromAnotherThread() throws Exception {
        Session s = new Session(model, 256, pool);
        Generator g = new Generator(s);
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        Thread canceller = new Thread(() -> {
            try {
                first.await();
                g.cancel();
                cancelled.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        canceller.start();
        GenerationResult r = g.generate(t2.input(), greedy(100), t -> {
            first.countDown();
            try {
                assertTrue(cancelled.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        canceller.join();
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertEquals(1, r.generatedTokens());
    }

    @Test
    void imageRowsAndTwoTurnsThroughOneSessionMatchTheM3Golden() {
        TextGolden m1 = TextGolden.load("M1", "f32");
        TextGolden m3 = TextGolden.load("M3", "f32");
        Session s = new Session(model, 1024, pool);
        Generator g = new Generator(s);
        GenerationResult first = g.generate(m1.input(), greedy(64, IM_END), null);
        assertEquals(StopReason.EOS, first.stopReason());
        assertArrayEquals(Arrays.copyOf(m1.greedy, m1.stopIndex), first.tokens());
        // the session now holds exactly M3's prompt up to the answer; the template layer closes the
        // turn and adds the next user message (M3's last segment starts with <|im_end|>)
        int done = s.position();
        assertArrayEquals(Arrays.copyOf(m3.promptIds, done), s.history());
        int[] turn2 = Arrays.copyOfRange(m3.promptIds, done, m3.promptIds.length);
        assertEquals(IM_END, turn2[0]);
        float[] logits = s.append(ModelInput.tokens(turn2));
        float d = TextGolden.maxAbsDiff(logits, m3.logits[m3.logits.length - 1]);
        assertTrue(d <= 1e-3f, "second-turn logits differ by " + d);
        GenerationResult second = g.generate(ModelInput.empty(), greedy(32), null);
        assertArrayEquals(m3.greedy, second.tokens());
        assertSame(StopReason.LENGTH, second.stopReason());
    }
}
