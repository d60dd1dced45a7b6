package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** U+FFFD substitution of maximal subparts and detection of incomplete trailing sequences. */
class Utf8Test {
    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static String decode(int... v) {
        byte[] b = bytes(v);
        return Utf8.decodeLossy(b, 0, b.length);
    }

    @Test
    void unicodeStandardExample() {
        // Unicode Standard, chapter 3, "U+FFFD Substitution of Maximal Subparts" (Table 3-8 example)
        assertEquals("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd",
                decode(0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64));
    }

    @Test
    void illFormedSequences() {
        assertEquals("\uFFFD\uFFFD", decode(0xC0, 0xAF), "overlong lead C0");
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xE0, 0x80, 0xAF), "E0 needs A0..BF");
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xED, 0xA0, 0x80), "surrogate code points");
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(0xF4, 0x90, 0x80, 0x80), "above U+10FFFF");
        assertEquals("\uFFFD", decode(0xF0, 0x9F, 0x98), "truncated at the end: one replacement");
        assertEquals("\uFFFDA", decode(0xE2, 0x82, 0x41));
        assertEquals("\uFFFD\uFFFD", decode(0xFF, 0xFE));
        assertEquals("€😀é", decode(0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xC3, 0xA9));
    }

    @Test
    void agreesWithTheJdkDecoderOnRandomBytes() throws Exception {
        // The JDK's UTF-8 decoder also substitutes maximal subparts, except that it swallows an
        // encoded surrogate (ED A0..BF) as one unit where the Unicode practice and the reference
        // (Rust from_utf8_lossy, see HfTokenizersParityTest) give one U+FFFD per byte. Use it as an
        // independent oracle on everything else.
        var jdk = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        Random r = new Random(1);
        int[] interesting = {0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0,
            0xF1, 0xF4, 0xF5, 0xFF};
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[1 + r.nextInt(8)];
            for (int k = 0; k < b.length; k++) {
                b[k] = (byte) (r.nextBoolean() ? interesting[r.nextInt(interesting.length)] : r.nextInt(256));
            }
            if (containsEncodedSurrogate(b)) {
                continue;
            }
            String expected = jdk.decode(ByteBuffer.wrap(b)).toString();
            assertEquals(expected, Utf8.decodeLossy(b, 0, b.length), () -> java.util.HexFormat.of().formatHex(b));
        }
    }

    private static boolean containsEncodedSurrogate(byte[] b) {
        for (int k = 0; k + 1 < b.length; k++) {
            if ((b[k] & 0xFF) == 0xED && (b[k + 1] & 0xFF) >= 0xA0 && (b[k + 1] & 0xFF) <= 0xBF) {
                return true;
            }
        }
        return false;
    }

    @Test
    void incompleteTail() {
        assertEquals(0, Utf8.incompleteTail(bytes(0x41), 0, 1));
        assertEquals(1, Utf8.incompleteTail(bytes(0x41, 0xC3), 0, 2));
        assertEquals(2, Utf8.incompleteTail(bytes(0xE2, 0x82), 0, 2));
        assertEquals(3, Utf8.incompleteTail(bytes(0x41, 0xF0, 0x9F, 0x98), 0, 4));
        assertEquals(0, Utf8.incompleteTail(bytes(0xF0, 0x9F, 0x98, 0x80), 0, 4), "complete");
        assertEquals(0, Utf8.incompleteTail(bytes(0xE0, 0x80), 0, 2), "can never complete");
        assertEquals(0, Utf8.incompleteTail(bytes(0xF5), 0, 1), "not a lead byte");
        assertEquals(0, Utf8.incompleteTail(bytes(0x80, 0x80, 0x80), 0, 3));
        assertEquals(1, Utf8.incompleteTail(bytes(0xC3, 0xA9, 0xE2), 0, 3));
        assertEquals(0, Utf8.incompleteTail(bytes(), 0, 0));
    }

    @Test
    void loneSurrogates() {
        assertEquals("a\uFFFDb", Utf8.replaceLoneSurrogates("a\uD800b"));
        assertEquals("\uFFFD\uFFFD", Utf8.replaceLoneSurrogates("\uDC00\uD800"));
        assertEquals("😀\uFFFD", Utf8.replaceLoneSurrogates("😀\uD83D"));
        String ok = "plain 😀 text";
        assertEquals(ok, Utf8.replaceLoneSurrogates(ok));
    }
}
