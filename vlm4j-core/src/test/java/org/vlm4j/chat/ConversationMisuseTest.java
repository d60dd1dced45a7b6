package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vlm4j.vision.RgbImage;

/**
 * Misuse of the library API is a clear exception and leaves the conversation as it was: a
 * listener that throws or calls back in, null options, images without a vision model, a message
 * that exactly fills the context, a closed model, an absurd tile count.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConversationMisuseTest {
    static VisionLanguageModel model;
    static final AskOptions FOUR = new AskOptions(4, SamplerConfig.GREEDY, false);

    @BeforeAll
    static void load() throws Exception {
        model = VisionLanguageModel.load(MultimodalGoldenTest.resource("/fixtures/tiny/gguf/tiny-q8_0.gguf"),
                MultimodalGoldenTest.resource("/fixtures/tiny/gguf/tiny-mmproj-f16.gguf"), LoadOptions.DEFAULTS.withThreads(2));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aListenerThatThrowsLeavesTheDialogueAsBefore() {
        Conversation c = model.newConversation();
        c.ask("one", FOUR, null);
        int before = c.position();
        int[] history = c.history();
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> c.ask("two", FOUR, piece -> { throw new RuntimeException("client went away"); }));
        assertEquals("client went away", e.getMessage());
        assertEquals(before, c.position(), "the half-made turn was taken back out");
        assertArrayEquals(history, c.history());
        assertEquals(1, c.turns());
        // the next answer equals that of a conversation that never saw the failure
        Conversation clean = model.newConversation();
        clean.ask("one", FOUR, null);
        assertArrayEquals(clean.ask("three", FOUR, null).tokens(), c.ask("three", FOUR, null).tokens());
        assertArrayEquals(clean.history(), c.history());
    }

    @Test
    void callingBackInFromTheListenerIsAnError() {
        Conversation c = model.newConversation();
        c.ask("one", FOUR, null);
        int before = c.position();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.ask("two", FOUR, piece -> c.clear()));
        assertTrue(e.getMessage().contains("listener"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.ask("two", FOUR, piece -> c.ask("inner", FOUR, null)));
        assertEquals(before, c.position());
        assertEquals(4, c.ask("two", FOUR, null).generatedTokens(), "still usable");
    }

    @Test
    void nullOptionsChangeNothing() {
        ConversationOptions small = ConversationOptions.DEFAULTS.withContextSize(80).withSystemMessage("s").withAsk(FOUR);
        Conversation c = model.newConversation(small);
        for (int i = 0; i < 3; i++) {
            c.ask("a b c d e", FOUR, null);
        }
        int before = c.position();
        int turns = c.turns();
        assertThrows(NullPointerException.class, () -> c.ask(" a".repeat(20), null, TextListener.NONE));
        assertThrows(NullPointerException.class, () -> c.ask("x", List.of(), null, TextListener.NONE));
        assertEquals(before, c.position(), "no turn was dropped for a call that fails");
        assertEquals(turns, c.turns());
    }

    @Test
    void aMessageThatExactlyFillsTheContextIsAnswered() {
        // one earlier turn, then messages of growing length: each is answered (dropping the earlier
        // turn when needed) or refused as too long, never an internal error
        ConversationOptions opts = ConversationOptions.DEFAULTS.withContextSize(128).withSystemMessage("sys").withAsk(FOUR);
        int answered = 0;
        for (int words = 60; words <= 140; words++) {
            Conversation c = model.newConversation(opts);
            c.ask("hi", FOUR, null);
            try {
                c.ask("w ".repeat(words), FOUR, null);
                answered++;
                assertTrue(c.position() <= 128);
            } catch (ConversationException tooLong) {
                assertTrue(tooLong.getMessage().contains("context holds 128"), tooLong.getMessage());
            }
        }
        assertTrue(answered > 0, "some lengths fit");
    }

    @Test
    void aSystemPromptThatFillsTheContextIsNamed() {
        Conversation c = model.newConversation(ConversationOptions.DEFAULTS.withContextSize(64).withSystemMessage("word ".repeat(80)));
        ConversationException e = assertThrows(ConversationException.class, () -> c.ask("hi", FOUR, null));
        assertTrue(e.getMessage().startsWith("the system prompt alone takes"), e.getMessage());
        assertEquals(0, c.position());
    }

    @Test
    void imagesWithoutAVisionModelAreAConversationError() throws Exception {
        RgbImage img = model.decodeImage(MultimodalGoldenTest.resource("/fixtures/images/img448.png"));
        try (VisionLanguageModel textOnly = VisionLanguageModel.load(MultimodalGoldenTest.resource("/fixtures/tiny/gguf/tiny-q8_0.gguf"),
                null, LoadOptions.DEFAULTS.withThreads(1))) {
            Conversation c = textOnly.newConversation();
            assertThrows(ConversationException.class, () -> c.ask("x", List.of(img), FOUR, null));
            assertThrows(ConversationException.class, () -> c.askWithImagesBetween(List.of("a", "b"), List.of(img), FOUR, null));
            assertThrows(ConversationException.class, () -> c.addTurn("x", List.of(img), "y"));
            assertEquals(0, c.position());
        }
    }

    @Test
    void aClosedModelSaysSo() throws Exception {
        Path text = MultimodalGoldenTest.resource("/fixtures/tiny/gguf/tiny-q8_0.gguf");
        VisionLanguageModel m = VisionLanguageModel.load(text, null, LoadOptions.DEFAULTS.withThreads(1));
        Conversation c = m.newConversation();
        m.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.ask("x", FOUR, null));
        assertTrue(e.getMessage().contains("model is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, m::newConversation);
    }

    @Test
    void absurdTileCountsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.DEFAULTS.withMaxTiles(Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.DEFAULTS.withMaxTiles(LoadOptions.MAX_TILES + 1));
        assertEquals(LoadOptions.MAX_TILES, LoadOptions.DEFAULTS.withMaxTiles(LoadOptions.MAX_TILES).maxTiles());
        assertThrows(IllegalArgumentException.class, () -> org.vlm4j.vision.TileGrid.choose(448, 448, 1, Integer.MAX_VALUE, 448));
    }
}
