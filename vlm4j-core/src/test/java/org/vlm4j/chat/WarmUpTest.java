package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlm4j.model.internvit.InternVitEncoder;

/**
 * {@link VisionLanguageModel#warmUp}: it runs every step, stops when told between steps, and leaves
 * nothing behind that could change an answer (it has its own scratch state and encoder).
 */
class WarmUpTest {
    static VisionLanguageModel model;

    @BeforeAll
    static void load() throws Exception {
        model = VisionLanguageModel.load(ConcurrentConversationsTest.resource("/fixtures/tiny/gguf/tiny-f32.gguf"),
                ConcurrentConversationsTest.resource("/fixtures/tiny/gguf/tiny-mmproj-f32.gguf"),
                LoadOptions.DEFAULTS.withThreads(2).withMaxTiles(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] answer() throws Exception {
        Conversation c = model.newConversation(ConversationOptions.DEFAULTS.withAsk(new AskOptions(16, SamplerConfig.GREEDY, false)));
        c.setImage(ConcurrentConversationsTest.resource("/fixtures/images/img448.png"));
        return c.ask("Describe the image.").tokens();
    }

    @Test
    void runsEveryStepAndChangesNoAnswer() throws Exception {
        int[] before = answer();
        AtomicInteger checks = new AtomicInteger();
        assertTrue(model.warmUp(() -> {
            checks.incrementAndGet();
            return false;
        }), "an unstopped warm-up runs to the end");
        // 3 prefill steps + 16 decode steps + the vision step, each after a check
        assertEquals(3 + 16 + 1, checks.get(), "stop is asked before every step");
        assertArrayEquals(before, answer(), "the same answer after a warm-up");
    }

    @Test
    void anEncoderGivesTheSameEmbeddingsAfterItsWarmUp() {
        InternVitEncoder e = model.visionModel().newEncoder(model.pool());
        float[] pixels = new float[e.config().pixelsPerTile()];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextDouble(-2, 2);
        }
        float[] first = e.encode(pixels, 1);
        e.warmUp(2);
        assertArrayEquals(first, e.encode(pixels, 1), "the encoder's buffers are all rewritten by the next tile");
    }

    @Test
    void backgroundWarmUpStopsOnItsConditionAndOnStop() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        try (BackgroundWarmUp w = BackgroundWarmUp.start(model, () -> asked.incrementAndGet() > 2)) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (w.running() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(w.running(), "the warm-up ends by itself");
        }
        assertEquals(3, asked.get(), "the condition ends it after two steps");
        BackgroundWarmUp unstopped = BackgroundWarmUp.start(model, () -> false);
        unstopped.stop(); // whether it was done or not, stop() waits for it
        assertFalse(unstopped.running());
        unstopped.stop(); // idempotent
        assertArrayEquals(answer(), answer(), "the model still answers");
    }

    @Test
    void stopsBetweenSteps() {
        assertFalse(model.warmUp(() -> true), "stopped before the first step");
        AtomicInteger checks = new AtomicInteger();
        assertFalse(model.warmUp(() -> checks.incrementAndGet() > 5), "stopped after five steps");
        assertEquals(6, checks.get(), "no step after the stop");
    }
}
