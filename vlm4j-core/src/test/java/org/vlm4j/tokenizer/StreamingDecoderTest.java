package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Incremental decoding holds back incomplete characters and never differs from a one-shot decode. */
class StreamingDecoderTest {
    private final Tokenizer tok = TokenizerFixtures.real();

    private int[] byteTokens(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            ids[i] = tok.tokenId(String.valueOf(ByteLevel.charOf(b[i])));
        }
        return ids;
    }

    @Test
    void holdsBackAnEmojiUntilItsLastByte() {
        int[] ids = byteTokens("😀");
        StreamingDecoder sd = tok.newStreamingDecoder();
        assertEquals("", sd.feed(ids[0]));
        assertTrue(sd.hasPendingBytes());
        assertEquals("", sd.feed(ids[1]));
        assertEquals("", sd.feed(ids[2]));
        assertEquals("😀", sd.feed(ids[3]));
        assertFalse(sd.hasPendingBytes());
        assertEquals("", sd.flush());
    }

    @Test
    void flushTurnsLeftoversIntoOneReplacementAndResets() {
        int[] ids = byteTokens("é😀");
        StreamingDecoder sd = tok.newStreamingDecoder();
        assertEquals("", sd.feed(ids[0]));
        assertEquals("é", sd.feed(ids[1]));
        assertEquals("", sd.feed(ids[2]));
        assertEquals("", sd.feed(ids[3]));
        assertEquals("\uFFFD", sd.flush());
        assertFalse(sd.hasPendingBytes());
        assertEquals("ok", sd.feed(tok.encode("ok")[0]), "reusable after flush");
    }

    @Test
    void aTokenThatCannotContinueReleasesTheReplacementAtOnce() {
        int[] e = byteTokens("é");
        StreamingDecoder sd = tok.newStreamingDecoder();
        assertEquals("", sd.feed(e[0]));
        int imEnd = tok.requireTokenId("<|im_end|>");
        assertEquals("\uFFFD<|im_end|>", sd.feed(imEnd));
        assertEquals("", sd.flush());
    }

    @Test
    void skippingSpecialTokensKeepsPendingBytes() {
        int[] ids = byteTokens("€");
        int imEnd = tok.requireTokenId("<|im_end|>");
        StreamingDecoder sd = tok.newStreamingDecoder(true);
        assertEquals("", sd.feed(ids[0]));
        assertEquals("", sd.feed(imEnd));
        assertEquals("", sd.feed(ids[1]));
        assertEquals("€", sd.feed(ids[2]));
        assertEquals("€", tok.decode(new int[] {ids[0], imEnd, ids[1], ids[2]}, true));
    }

    @Test
    void randomStreamsEqualTheFullDecode() {
        Random r = new Random(5);
        RandomText gen = new RandomText(77L, true);
        for (int i = 0; i < 2000; i++) {
            int[] ids;
            if (r.nextBoolean()) {
                ids = tok.encode(gen.next());
            } else {
                ids = new int[1 + r.nextInt(10)];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = r.nextInt(4) == 0 ? r.nextInt(256) : r.nextInt(tok.vocabSize());
                }
            }
            String full = tok.decode(ids);
            StreamingDecoder sd = tok.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String piece = sd.feed(id);
                TokenizerGoldenTest.assertWellFormed(piece, "piece");
                sb.append(piece);
                assertTrue(full.startsWith(sb.toString()), "a streamed prefix is a prefix of the full decode");
            }
            sb.append(sd.flush());
            assertEquals(full, sb.toString());
        }
    }
}
