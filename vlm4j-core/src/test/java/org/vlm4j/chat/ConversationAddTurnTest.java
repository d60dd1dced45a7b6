package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlm4j.vision.RgbImage;

/**
 * {@link Conversation#addTurn}: a replayed turn with a known answer puts the same ids in the cache
 * as the reference's two-turn prompt (M3, where llama.cpp was fed the first answer's ids), so the
 * next greedy answer follows the reference path.
 */
class ConversationAddTurnTest {
    static VisionLanguageModel model;
    static final AskOptions GOLDEN = MultimodalGoldenTest.GOLDEN;

    @BeforeAll
    static void load() throws Exception {
        model = VisionLanguageModel.load(MultimodalGoldenTest.resource("/fixtures/tiny/gguf/tiny-f32.gguf"),
                MultimodalGoldenTest.resource("/fixtures/tiny/gguf/tiny-mmproj-f32.gguf"),
                LoadOptions.DEFAULTS.withThreads(2).withKvCacheType(org.vlm4j.model.qwen3.KvCacheType.F32)); // the goldens' cache
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void replayedTurnGivesTheReferenceSecondAnswer() throws Exception {
        JsonNode g = MultimodalGoldenTest.golden("M3.f32.json");
        int[] firstAnswer = MultimodalGoldenTest.ints(g.get("history").get("answer_ids"));
        RgbImage img = model.decodeImage(MultimodalGoldenTest.resource("/fixtures/images/img448.png"));

        Conversation c = model.newConversation();
        c.addTurn("Describe the image.", List.of(img), firstAnswer);
        assertEquals(1, c.turns());
        int afterTurn = c.position();
        assertEquals(425 + firstAnswer.length, afterTurn, "system + user turn with 256 image rows + answer");

        Answer second = c.ask("What colors do you see?", List.of(), GOLDEN, TextListener.NONE);
        int nPrompt = g.get("n_prompt").asInt();
        assertEquals(nPrompt - afterTurn, second.promptTokens(), "only the new message is computed");
        assertArrayEquals(MultimodalGoldenTest.goldenPromptIds(g), java.util.Arrays.copyOf(c.history(), nPrompt));
        assertArrayEquals(MultimodalGoldenTest.ints(g.get("greedy").get("tokens")), second.tokens(), "M3 greedy path");
    }

    @Test
    void answerTextIsTokenizedIntoTheCache() throws Exception {
        JsonNode g = MultimodalGoldenTest.golden("M3.f32.json");
        int[] firstAnswer = MultimodalGoldenTest.ints(g.get("history").get("answer_ids"));
        // the tiny model's random text does not round-trip to the same ids: the text is what counts
        String answerText = model.tokenizer().decode(firstAnswer);
        int[] retokenized = model.tokenizer().encodeOrdinary(answerText);
        RgbImage img = model.decodeImage(MultimodalGoldenTest.resource("/fixtures/images/img448.png"));
        Conversation c = model.newConversation();
        c.addTurn("<image>\nDescribe the image.", List.of(img), answerText);
        int[] h = c.history();
        assertEquals(425 + retokenized.length, h.length);
        assertArrayEquals(retokenized, java.util.Arrays.copyOfRange(h, 425, h.length));
        int[] prompt = MultimodalGoldenTest.goldenPromptIds(g);
        assertArrayEquals(java.util.Arrays.copyOf(prompt, 425), java.util.Arrays.copyOf(h, 425), "same user turn as the reference");
        assertEquals(answerText, model.tokenizer().decode(java.util.Arrays.copyOfRange(h, 425, h.length)));
        assertThrows(IllegalArgumentException.class, () -> c.addTurn("x", List.of(), new int[] {-5}));
        assertEquals(1, c.turns());
    }

    @Test
    void textOnlyTurnsAndMarkers() {
        Conversation c = model.newConversation();
        c.addTurn("Hello", List.of(), "Hi there.");
        c.addTurn("And again", List.of(), "");
        assertEquals(2, c.turns());
        Answer a = c.ask("Bye", List.of(), GOLDEN.withMaxNewTokens(3), TextListener.NONE);
        assertEquals(3, a.generatedTokens());
        assertEquals(3, c.turns());
        // the replayed history is the same as a dialogue built with the template directly
        Conversation ref = model.newConversation();
        String tpl = "<|im_start|>system\n" + ChatTemplate.DEFAULT_SYSTEM_MESSAGE + "<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\nHi there.<|im_end|>\n<|im_start|>user\nAnd again<|im_end|>\n<|im_start|>assistant\n"
                + "<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n";
        int[] expected = model.tokenizer().encode(tpl);
        assertArrayEquals(expected, java.util.Arrays.copyOf(c.history(), expected.length));
        assertTrue(ref.position() == 0);
    }

    @Test
    void aTurnThatDoesNotFitChangesNothing() {
        Conversation c = model.newConversation(ConversationOptions.DEFAULTS.withContextSize(200).withSystemMessage("S")
                .withContextPolicy(ContextPolicy.STOP));
        c.addTurn("Hello", List.of(), "Hi.");
        int before = c.position();
        ConversationException e = assertThrows(ConversationException.class,
                () -> c.addTurn("word ".repeat(100), List.of(), "answer ".repeat(100)));
        assertTrue(e.getMessage().contains("context"), e.getMessage());
        assertEquals(before, c.position());
        assertEquals(1, c.turns());
    }

    @Test
    void closeFreesTheCacheAndLaterAsksFail() {
        Conversation c = model.newConversation();
        c.ask("Hello", List.of(), GOLDEN.withMaxNewTokens(2), TextListener.NONE);
        int before = c.position();
        c.close();
        c.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> c.ask("Again", List.of(), GOLDEN.withMaxNewTokens(2), TextListener.NONE));
        assertEquals(before, c.position(), "a refused message leaves the dialogue as it was");
        assertEquals(1, c.turns());
    }
}
