package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.vision.RgbImage;

/**
 * End to end through the library API: image file -> preprocessing -> InternViT -> projector ->
 * prompt -> Qwen3 -> greedy tokens, against llama.cpp's greedy paths for the M cases (which were fed
 * the original PyTorch model's image rows). F32 text model, F32 mmproj.
 */
class MultimodalGoldenTest {
    static VisionLanguageModel model;
    static final AskOptions GOLDEN = new AskOptions(32, SamplerConfig.GREEDY, true);

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws Exception {
        model = VisionLanguageModel.load(resource("/fixtures/tiny/gguf/tiny-f32.gguf"),
                resource("/fixtures/tiny/gguf/tiny-mmproj-f32.gguf"),
                LoadOptions.DEFAULTS.withThreads(2).withKvCacheType(org.vlm4j.model.qwen3.KvCacheType.F32)); // the goldens' cache
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Path resource(String name) throws Exception {
        return Path.of(MultimodalGoldenTest.class.getResource(name).toURI());
    }

    static JsonNode golden(String name) throws Exception {
        return new ObjectMapper().readTree(resource("/fixtures/tiny/text/" + name).toFile());
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    static int[] goldenPromptIds(JsonNode g) {
        int[] ids = ints(g.get("prompt_ids"));
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == -1) {
                ids[i] = -1;
            }
        }
        return ids;
    }

    private void assertCase(String caseName, String image) throws Exception {
        JsonNode g = golden(caseName + ".f32.json");
        Conversation c = model.newConversation();
        c.setImage(resource("/fixtures/images/" + image));
        Answer a = c.ask("Describe the image.", GOLDEN, TextListener.NONE);
        int[] history = c.history();
        int[] prompt = java.util.Arrays.copyOf(history, g.get("n_prompt").asInt());
        assertArrayEquals(goldenPromptIds(g), prompt, caseName + " prompt ids (-1 = image row)");
        assertArrayEquals(ints(g.get("greedy").get("tokens")), a.tokens(), caseName + " greedy path");
        assertEquals(StopReason.LENGTH, a.stopReason());
    }

    @Test
    void m1OneTile() throws Exception {
        assertCase("M1", "img448.png");
    }

    @Test
    void m1WithAnF16KvCacheKeepsTheGreedyPath() throws Exception {
        JsonNode g = golden("M1.f32.json");
        try (VisionLanguageModel f16 = VisionLanguageModel.load(resource("/fixtures/tiny/gguf/tiny-f32.gguf"),
                resource("/fixtures/tiny/gguf/tiny-mmproj-f32.gguf"),
                LoadOptions.DEFAULTS.withThreads(2).withKvCacheType(org.vlm4j.model.qwen3.KvCacheType.F16))) {
            Conversation c = f16.newConversation();
            c.setImage(resource("/fixtures/images/img448.png"));
            assertArrayEquals(ints(g.get("greedy").get("tokens")), c.ask("Describe the image.", GOLDEN, null).tokens());
        }
    }

    @Test
    void m2ThirteenTiles() throws Exception {
        assertCase("M2", "img640x480.png");
    }

    @Test
    void m3SecondTurnReusesTheCache() throws Exception {
        JsonNode g = golden("M3.f32.json");
        Conversation c = model.newConversation();
        c.setImage(resource("/fixtures/images/img448.png"));
        Answer first = c.ask("Describe the image.", GOLDEN.withIgnoreEos(false), TextListener.NONE);
        assertEquals(StopReason.EOS, first.stopReason());
        assertArrayEquals(ints(g.get("history").get("answer_ids")), first.tokens());
        Answer second = c.ask("What colors do you see?", GOLDEN, TextListener.NONE);
        assertEquals(g.get("n_prompt").asInt() - 425 - 14, second.promptTokens(), "only the new turn is computed");
        int[] prompt = java.util.Arrays.copyOf(c.history(), g.get("n_prompt").asInt());
        assertArrayEquals(goldenPromptIds(g), prompt);
        assertArrayEquals(ints(g.get("greedy").get("tokens")), second.tokens(), "M3 greedy path");
    }

    @Test
    void streamedTextIsTheAnswer() throws Exception {
        Conversation c = model.newConversation();
        c.setImage(resource("/fixtures/images/img448.png"));
        StringBuilder sb = new StringBuilder();
        Answer a = c.ask("Describe the image.", GOLDEN.withIgnoreEos(false), sb::append);
        assertEquals(a.text(), sb.toString());
        assertEquals(model.tokenizer().decode(a.tokens()), a.text());
        assertEquals(1, a.imageTiles());
        assertTrue(a.visionMillis() > 0);
    }

    @Test
    void explicitImagesFollowChatSemantics() throws Exception {
        JsonNode g = golden("M1.f32.json");
        Conversation c = model.newConversation();
        RgbImage img = model.decodeImage(resource("/fixtures/images/img448.png"));
        Answer a = c.ask("Describe the image.", List.of(img), GOLDEN, TextListener.NONE);
        assertArrayEquals(ints(g.get("greedy").get("tokens")), a.tokens());
    }

    @Test
    void imageMarkerWithoutImageIsAClearErrorAndTheConversationSurvives() throws Exception {
        Conversation c = model.newConversation();
        ConversationException e = assertThrows(ConversationException.class, () -> c.ask("<image> what is this?", GOLDEN, null));
        assertTrue(e.getMessage().contains("no image is set"), e.getMessage());
        assertEquals(0, c.position());
        Path bad = Files.write(tmp.resolve("bad.png"), new byte[] {1, 2, 3, 4, 5});
        assertThrows(org.vlm4j.vision.ImageDecodeException.class, () -> c.setImage(bad));
        assertEquals(5, c.ask("Hello", GOLDEN.withMaxNewTokens(5), null).generatedTokens());
    }

    @Test
    void fullContextPolicies() throws Exception {
        ConversationOptions small = ConversationOptions.DEFAULTS.withContextSize(300).withSystemMessage("Be brief.")
                .withAsk(GOLDEN.withMaxNewTokens(20));
        Conversation stop = model.newConversation(small.withContextPolicy(ContextPolicy.STOP));
        stop.ask("Hello, who are you?");
        int before = stop.position();
        String longText = "word ".repeat(60);
        stop.ask(longText); // still fits
        ConversationException e = assertThrows(ConversationException.class, () -> {
            for (int i = 0; i < 10; i++) {
                stop.ask(longText);
            }
        });
        assertTrue(e.getMessage().contains("context is full"), e.getMessage());
        assertTrue(stop.position() > before);
        int kept = stop.position();
        assertThrows(ConversationException.class, () -> stop.ask(longText));
        assertEquals(kept, stop.position(), "a refused message changes nothing");

        Conversation drop = model.newConversation(small);
        for (int i = 0; i < 6; i++) {
            drop.ask(longText);
        }
        assertTrue(drop.position() <= 300);
        assertTrue(drop.turns() < 6);
        Answer last = drop.lastAnswer();
        assertTrue(last.generatedTokens() > 0);
        ConversationException tooLong = assertThrows(ConversationException.class, () -> drop.ask("word ".repeat(400)));
        assertTrue(tooLong.getMessage().contains("context holds 300"), tooLong.getMessage());
    }

    /** A picture that cannot fit is refused before it is encoded, and the current one stays. */
    @Test
    void switchImageKeepsTheCurrentPictureWhenTheNewOneCannotFit() throws Exception {
        Conversation c = model.newConversation(ConversationOptions.DEFAULTS.withContextSize(600).withAsk(GOLDEN.withMaxNewTokens(2)));
        long before = model.imagesEncoded.get();
        ImageEmbedding e = c.switchImage(resource("/fixtures/images/img448.png"));
        assertEquals(1, e.tiles());
        assertEquals(before + 1, model.imagesEncoded.get());
        Path big = resource("/fixtures/images/img640x480.png"); // 12 tiles and a thumbnail: 3,328 rows
        ConversationException tooBig = assertThrows(ConversationException.class, () -> c.switchImage(big));
        assertTrue(tooBig.getMessage().contains("3328 positions") && tooBig.getMessage().contains("--max-tiles"), tooBig.getMessage());
        assertEquals(before + 1, model.imagesEncoded.get(), "the big picture was not encoded");
        assertEquals("img448.png", c.imageName(), "the current picture stays");
        Path bad = Files.write(tmp.resolve("bad2.png"), new byte[] {1, 2, 3});
        assertThrows(org.vlm4j.vision.ImageDecodeException.class, () -> c.switchImage(bad));
        assertEquals("img448.png", c.imageName());
        assertEquals(2, c.ask("<image> What is it?", GOLDEN.withMaxNewTokens(2), null).generatedTokens());
        assertEquals(before + 1, model.imagesEncoded.get(), "shown from the encoding made by switchImage");
        // the lazy path checks too: a picture set without encoding that cannot fit is refused before encoding
        c.setImage(model.decodeImage(big), "big");
        assertThrows(ConversationException.class, () -> c.ask("<image> And this?", GOLDEN.withMaxNewTokens(2), null));
        assertEquals(before + 1, model.imagesEncoded.get());
    }

    /** Images between text segments (the server's parts): a literal "<image>" in the text stays text. */
    @Test
    void imagesBetweenSegmentsLeaveLiteralMarkersAsText() throws Exception {
        RgbImage img = model.decodeImage(resource("/fixtures/images/img448.png"));
        Conversation c = model.newConversation();
        c.askWithImagesBetween(List.of("Look at <image> here: ", "\nDone?"), List.of(img), GOLDEN.withMaxNewTokens(1), null);
        int[] h = c.history();
        int firstRow = -1;
        int rows = 0;
        for (int i = 0; i < h.length; i++) {
            if (h[i] == -1) {
                firstRow = firstRow < 0 ? i : firstRow;
                rows++;
            }
        }
        assertEquals(256, rows, "one tile of image rows");
        int[] before = model.tokenizer().encodeOrdinary("Look at <image> here: ");
        int[] after = model.tokenizer().encodeOrdinary("\nDone?");
        // ... <img> [rows] </img> follow the first segment's tokens, then the second segment's
        assertArrayEquals(before, java.util.Arrays.copyOfRange(h, firstRow - 1 - before.length, firstRow - 1),
                "the first segment, literal <image> included, right before <img>");
        assertArrayEquals(after, java.util.Arrays.copyOfRange(h, firstRow + rows + 1, firstRow + rows + 1 + after.length),
                "the second segment right after </img>");
        assertThrows(IllegalArgumentException.class,
                () -> c.askWithImagesBetween(List.of("only one segment"), List.of(img), GOLDEN.withMaxNewTokens(1), null));
    }

    /** A message whose images cannot fit is refused before any of them is encoded (that can take minutes). */
    @Test
    void imagesThatCannotFitAreRefusedBeforeEncoding() throws Exception {
        RgbImage img = model.decodeImage(resource("/fixtures/images/img448.png"));
        assertEquals(256, model.imageRows(img), "one tile of 256 rows");
        Conversation c = model.newConversation(ConversationOptions.DEFAULTS.withContextSize(900).withAsk(GOLDEN.withMaxNewTokens(4)));
        long before = model.imagesEncoded.get();
        ConversationException e = assertThrows(ConversationException.class,
                () -> c.ask("Compare them.", List.of(img, img, img), GOLDEN.withMaxNewTokens(4), null));
        assertTrue(e.getMessage().contains("context holds 900"), e.getMessage());
        assertEquals(before, model.imagesEncoded.get(), "no image was encoded");
        assertThrows(ConversationException.class, () -> c.addTurn("Compare them.", List.of(img, img, img), "They differ."));
        assertEquals(before, model.imagesEncoded.get(), "no image was encoded for the replayed turn either");
        assertEquals(0, c.position(), "the conversation is unchanged");
        // two images fit: encoded, and the answer comes
        assertEquals(4, c.ask("Compare them.", List.of(img, img), GOLDEN.withMaxNewTokens(4), null).generatedTokens());
        assertEquals(before + 2, model.imagesEncoded.get());
    }
}
