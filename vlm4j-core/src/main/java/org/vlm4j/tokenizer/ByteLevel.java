package org.vlm4j.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * The GPT-2 "byte to unicode" alphabet used by byte-level BPE vocabularies (Qwen2/Qwen3).
 *
 * <p>Every byte value is represented by one printable character so that vocabularies can be stored
 * as text: bytes 33..126, 161..172 and 174..255 stand for themselves, and the remaining 68 bytes
 * (0..32, 127..160, 173) are given the code points U+0100, U+0101, ... in increasing byte order
 * (so a space is {@code 'Ġ'} U+0120 and a newline is {@code 'Ċ'} U+010A).
 */
final class ByteLevel {
    /** Character standing for each byte value. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Byte value for each character below {@link #CHAR_LIMIT}, or -1. */
    private static final short[] CHAR_TO_BYTE;
    private static final int CHAR_LIMIT = 256 + 68;

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
        CHAR_TO_BYTE = new short[CHAR_LIMIT];
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = (short) b;
        }
    }

    private ByteLevel() {}

    /** The alphabet character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character of the alphabet stands for, or -1 if {@code c} is not in the alphabet. */
    static int byteOf(char c) {
        return c < CHAR_LIMIT ? CHAR_TO_BYTE[c] : -1;
    }

    /** Maps raw bytes to their alphabet string (the form stored in vocabularies and merge lists). */
    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * The bytes a vocabulary string stands for. If every character belongs to the byte alphabet the
     * characters are mapped back to bytes; otherwise (a token that was not stored in byte-level form)
     * the string's own UTF-8 bytes are returned.
     */
    static byte[] decode(String token) {
        int n = token.length();
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
