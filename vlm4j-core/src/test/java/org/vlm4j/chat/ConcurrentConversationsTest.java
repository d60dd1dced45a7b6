package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One shared model, two conversations on two threads at the same time: each gives exactly the
 * answers it gives when the two run one after the other (the model is immutable; all mutable state
 * is per conversation).
 */
class ConcurrentConversationsTest {
    static Path resource(String name) throws Exception {
        return Path.of(ConcurrentConversationsTest.class.getResource(name).toURI());
    }

    private static int[][] dialogue(VisionLanguageModel model, String image, String first, String second, CountDownLatch start)
            throws Exception {
        Conversation c = model.newConversation(ConversationOptions.DEFAULTS.withAsk(new AskOptions(24, SamplerConfig.GREEDY, false)));
        c.setImage(resource("/fixtures/images/" + image));
        if (start != null) {
            start.countDown();
            start.await(30, TimeUnit.SECONDS);
        }
        int[] a = c.ask(first).tokens();
        int[] b = c.ask(second).tokens();
        return new int[][] {a, b};
    }

    @Test
    void twoThreadsGiveTheSequentialAnswers() throws Exception {
        try (VisionLanguageModel model = VisionLanguageModel.load(resource("/fixtures/tiny/gguf/tiny-f32.gguf"),
                resource("/fixtures/tiny/gguf/tiny-mmproj-f32.gguf"), LoadOptions.DEFAULTS.withThreads(2).withMaxTiles(1))) {
            long t0 = System.nanoTime();
            int[][] seqA = dialogue(model, "img448.png", "Describe the image.", "What colors do you see?", null);
            int[][] seqB = dialogue(model, "img300x200.png", "<image>\nWhat is this?", "Tell me more.", null);
            long t1 = System.nanoTime();
            CountDownLatch start = new CountDownLatch(2);
            // two dedicated threads (the common pool may have a single thread on a 2-core machine)
            ExecutorService threads = Executors.newFixedThreadPool(2);
            Future<int[][]> a = threads.submit(() ->
                    dialogue(model, "img448.png", "Describe the image.", "What colors do you see?", start));
            Future<int[][]> b = threads.submit(() ->
                    dialogue(model, "img300x200.png", "<image>\nWhat is this?", "Tell me more.", start));
            int[][] parA = a.get(120, TimeUnit.SECONDS);
            int[][] parB = b.get(120, TimeUnit.SECONDS);
            threads.shutdown();
            System.out.printf("sequential %.0f ms, concurrent %.0f ms%n", (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(seqA[i], parA[i], "conversation A, turn " + i);
                assertArrayEquals(seqB[i], parB[i], "conversation B, turn " + i);
            }
            assertEquals(14, seqA[0].length, "M1's golden answer stops at step 14");
        }
    }
}
