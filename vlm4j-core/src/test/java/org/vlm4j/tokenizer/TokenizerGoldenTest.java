package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vlm4j.tokenizer.TokenizerFixtures.Golden;

/**
 * The 286 golden strings on the real Qwen3 + InternVL vocabulary; the expected ids come from HF
 * tokenizers 0.23.2 ({@code encode(text, add_special_tokens=False)}).
 */
class TokenizerGoldenTest {

    @Test
    void everyGoldenStringHasExactlyTheReferenceIds() {
        Tokenizer tok = TokenizerFixtures.real();
        List<Golden> goldens = TokenizerFixtures.goldens();
        assertEquals(286, goldens.size(), "golden count");
        List<String> failures = new ArrayList<>();
        for (Golden g : goldens) {
            int[] ids = tok.encode(g.text());
            if (!Arrays.equals(g.ids(), ids)) {
                failures.add(g.id() + " [" + g.category() + "] " + escape(g.text()) + "\n   expected "
                        + Arrays.toString(g.ids()) + "\n   actual   " + Arrays.toString(ids));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    @Test
    void tokenTextsAreTheReferenceTokenStrings() {
        Tokenizer tok = TokenizerFixtures.real();
        for (Golden g : TokenizerFixtures.goldens()) {
            List<String> texts = new ArrayList<>();
            for (int id : g.ids()) {
                texts.add(tok.tokenText(id));
            }
            assertEquals(g.tokens(), texts, g.id());
        }
    }

    @Test
    void decodeOfEncodeIsTheNfcTextAndTheReferenceDecode() {
        Tokenizer tok = TokenizerFixtures.real();
        int nfcChanged = 0;
        for (Golden g : TokenizerFixtures.goldens()) {
            String nfc = Normalizer.normalize(g.text(), Normalizer.Form.NFC);
            if (!nfc.equals(g.text())) {
                nfcChanged++;
            }
            assertEquals(nfc, tok.decode(tok.encode(g.text())), g.id());
            assertEquals(g.decoded(), tok.decode(g.ids()), g.id() + " reference decode");
            assertEquals(nfc, tok.decode(tok.encodeOrdinary(g.text())), g.id() + " (ordinary)");
        }
        assertTrue(nfcChanged >= 10, "the goldens exercise NFC (" + nfcChanged + " strings change)");
    }

    @Test
    void streamingDecodeEmitsOnlyCompleteTextAndConcatenatesToTheFullDecode() {
        Tokenizer tok = TokenizerFixtures.real();
        int heldBack = 0;
        for (Golden g : TokenizerFixtures.goldens()) {
            StreamingDecoder sd = tok.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : g.ids()) {
                String piece = sd.feed(id);
                assertFalse(piece.indexOf('\uFFFD') >= 0, g.id() + ": replacement char in a streamed piece");
                assertWellFormed(piece, g.id());
                if (sd.hasPendingBytes()) {
                    heldBack++;
                }
                sb.append(piece);
            }
            assertFalse(sd.hasPendingBytes(), g.id());
            sb.append(sd.flush());
            assertEquals(tok.decode(g.ids()), sb.toString(), g.id());
        }
        assertTrue(heldBack > 50, "the goldens split characters across tokens (" + heldBack + " held-back steps)");
    }

    @Test
    void ggufStyleArraysGiveTheSameTokenizer() {
        Tokenizer json = TokenizerFixtures.real();
        Tokenizer gguf = TokenizerFixtures.realViaGgufArrays();
        assertEquals(json.vocabSize(), gguf.vocabSize());
        for (Golden g : TokenizerFixtures.goldens()) {
            assertArrayEquals(g.ids(), gguf.encode(g.text()), g.id());
            assertArrayEquals(json.encodeOrdinary(g.text()), gguf.encodeOrdinary(g.text()), g.id() + " (ordinary)");
            assertEquals(json.decode(g.ids()), gguf.decode(g.ids()), g.id() + " (decode)");
        }
        for (int id = 0; id < json.vocabSize(); id++) {
            assertEquals(json.tokenText(id), gguf.tokenText(id));
            assertEquals(json.isSpecial(id), gguf.isSpecial(id), "isSpecial " + id);
            assertEquals(json.isAddedToken(id), gguf.isAddedToken(id), "isAddedToken " + id);
        }
    }

    static void assertWellFormed(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)), what + ": lone surrogate");
                i++;
            } else {
                assertFalse(Character.isLowSurrogate(c), what + ": lone surrogate");
            }
        }
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c < 0x20 || (c >= 0x7f && c < 0xa1) || c == 0xad) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.append('"').toString();
    }
}
