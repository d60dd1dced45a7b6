package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Public API behaviour on the real vocabulary: lookups, injection safety, errors, edge input. */
class TokenizerApiTest {
    private final Tokenizer tok = TokenizerFixtures.real();

    /** All 35 added tokens of added_tokens.json (read with Jackson), content to id. */
    private static List<Map.Entry<String, Integer>> addedTokens() throws Exception {
        JsonNode n = TokenizerFixtures.JSON.readTree(TokenizerFixtures.resource("added_tokens.json").toFile());
        List<Map.Entry<String, Integer>> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(Map.entry(e.getKey(), e.getValue().asInt()));
        }
        return out;
    }

    @Test
    void vocabularyLookupsMatchTheSpecTable() throws Exception {
        assertEquals(151678, tok.vocabSize(), "151643 BPE + 35 added tokens");
        assertEquals(151645, tok.tokenId("<|im_end|>"));
        assertEquals(151644, tok.tokenId("<|im_start|>"));
        assertEquals(151643, tok.tokenId("<|endoftext|>"));
        assertEquals(151669, tok.tokenId("<img>"));
        assertEquals(151670, tok.tokenId("</img>"));
        assertEquals(151671, tok.tokenId("<IMG_CONTEXT>"));
        assertEquals(-1, tok.tokenId("<image>"), "the placeholder is text, not a token");
        assertEquals(-1, tok.tokenId("no such token"));
        assertThrows(IllegalStateException.class, () -> tok.requireTokenId("<image>"));
        for (Map.Entry<String, Integer> e : addedTokens()) {
            assertEquals(e.getValue(), tok.tokenId(e.getKey()), e.getKey());
            assertEquals(e.getKey(), tok.tokenText(e.getValue()));
            assertTrue(tok.isAddedToken(e.getValue()), e.getKey());
        }
        assertTrue(tok.isSpecial(tok.tokenId("<|im_end|>")));
        assertTrue(tok.isSpecial(tok.tokenId("<IMG_CONTEXT>")));
        assertFalse(tok.isSpecial(tok.tokenId("<think>")), "<think> is added but not special in Qwen3");
        assertFalse(tok.isSpecial(tok.tokenId("<tool_call>")));
        int the = tok.tokenId("Ġthe");
        assertTrue(the >= 0);
        assertEquals("Ġthe", tok.tokenText(the));
        assertArrayEquals(" the".getBytes(java.nio.charset.StandardCharsets.UTF_8), tok.tokenBytes(the));
        assertFalse(tok.isSpecial(the));
        assertFalse(tok.isAddedToken(the));
        assertEquals(" the", tok.decode(new int[] {the}));
        assertEquals(0, tok.tokenId("!"), "byte tokens come first");
    }

    @Test
    void encodeOrdinaryNeverProducesAddedTokens() throws Exception {
        for (Map.Entry<String, Integer> e : addedTokens()) {
            String text = "user says " + e.getKey() + " and" + e.getKey() + e.getKey() + "\n";
            int[] ordinary = tok.encodeOrdinary(text);
            for (int id : ordinary) {
                assertFalse(tok.isAddedToken(id), e.getKey() + " injected as id " + id);
            }
            assertEquals(text, tok.decode(ordinary), "the text survives as text");
            int[] parsed = tok.encode(text);
            assertEquals(3, Arrays.stream(parsed).filter(id -> id == e.getValue()).count(), "encode parses " + e.getKey());
            assertNotEquals(Arrays.toString(parsed), Arrays.toString(ordinary));
        }
        assertArrayEquals(tok.encode("<|im_start|>user\n"), new int[] {
            tok.tokenId("<|im_start|>"), tok.encodeOrdinary("user")[0], tok.encodeOrdinary("\n")[0]});
    }

    @Test
    void encodeAndEncodeOrdinaryAgreeWhenNoAddedTokenIsWritten() {
        for (TokenizerFixtures.Golden g : TokenizerFixtures.goldens()) {
            boolean hasAdded = Arrays.stream(g.ids()).anyMatch(tok::isAddedToken);
            if (!hasAdded) {
                assertArrayEquals(g.ids(), tok.encodeOrdinary(g.text()), g.id());
            }
        }
    }

    @Test
    void addedTokensMatchLeftmostLongest() {
        int img = tok.tokenId("<img>");
        assertArrayEquals(new int[] {img, img}, tok.encode("<img><img>"));
        // "<|im_start|>" must not be read as a shorter token, and broken tokens stay text
        assertEquals(1, tok.encode("<|im_start|>").length);
        assertTrue(Arrays.stream(tok.encode("<|im_start")).noneMatch(tok::isAddedToken));
        assertTrue(Arrays.stream(tok.encode("<|IM_END|>")).noneMatch(tok::isAddedToken), "case-sensitive");
    }

    @Test
    void edgeInput() {
        assertArrayEquals(new int[0], tok.encode(""));
        assertArrayEquals(new int[0], tok.encodeOrdinary(""));
        assertEquals("", tok.decode(new int[0]));
        // unpaired surrogates have no UTF-8 form: they are tokenized as U+FFFD
        assertArrayEquals(tok.encode("a\uFFFDb\uFFFD"), tok.encode("a\uD800b\uDC00"));
        assertArrayEquals(tok.encode("\uFFFD"), tok.encode("\uDBFF"));
        // a proper pair is kept
        assertEquals("x😀y", tok.decode(tok.encode("x😀y")));
        // long single pre-tokens (take the priority-queue BPE path)
        String cjk = "人工智能实验室".repeat(500);
        assertEquals(cjk, tok.decode(tok.encode(cjk)));
        String as = "a".repeat(10_000);
        assertEquals(as, tok.decode(tok.encode(as)));
        assertThrows(NullPointerException.class, () -> tok.encode(null));
    }

    @Test
    void decodeSkippingSpecialTokens() {
        int[] ids = tok.encode("<|im_start|>assistant\n<think>\nhm\n</think>\nHi!<|im_end|>");
        assertEquals("<|im_start|>assistant\n<think>\nhm\n</think>\nHi!<|im_end|>", tok.decode(ids));
        assertEquals("assistant\n<think>\nhm\n</think>\nHi!", tok.decode(ids, true), "<think> is not special");
    }

    @Test
    void invalidIdsAreRejectedWithAClearMessage() {
        int n = tok.vocabSize();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {5, n}));
        assertTrue(e.getMessage().contains("token id " + n), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> tok.tokenText(n));
        assertThrows(IllegalArgumentException.class, () -> tok.isSpecial(-5));
        assertThrows(IllegalArgumentException.class, () -> tok.tokenBytes(n));
        assertThrows(IllegalArgumentException.class, () -> tok.newStreamingDecoder().feed(n));
    }

    @Test
    void instancesAreSafeToShareBetweenThreads() throws Exception {
        List<TokenizerFixtures.Golden> goldens = TokenizerFixtures.goldens();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            int offset = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int k = 0; k < goldens.size(); k++) {
                        TokenizerFixtures.Golden g = goldens.get((k * 7 + offset * 31) % goldens.size());
                        assertArrayEquals(g.ids(), tok.encode(g.text()), g.id());
                    }
                } catch (Throwable x) {
                    errors.add(x);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(errors.isEmpty(), errors.toString());
    }
}
