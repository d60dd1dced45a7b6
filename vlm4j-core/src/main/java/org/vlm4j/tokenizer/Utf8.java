package org.vlm4j.tokenizer;

/**
 * UTF-8 helpers with well-defined error handling, shared by {@link Tokenizer#decode} and
 * {@link StreamingDecoder}.
 *
 * <p>Decoding replaces ill-formed input with U+FFFD following the Unicode Standard's "substitution of
 * maximal subparts" practice (chapter 3, U+FFFD substitution): one replacement per maximal prefix of
 * a well-formed sequence, and one per byte that cannot start a sequence. This is what the reference
 * (Rust {@code String::from_utf8_lossy}) does, and because every decision is local it lets a
 * streaming decoder emit exactly the same text as a one-shot decode.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /** Number of continuation bytes a lead byte needs, or -1 if the byte cannot start a sequence. */
    private static int continuationCount(int b) {
        if (b < 0x80) {
            return 0;
        }
        if (b < 0xC2) {
            return -1; // continuation byte or overlong lead C0/C1
        }
        if (b < 0xE0) {
            return 1;
        }
        if (b < 0xF0) {
            return 2;
        }
        if (b < 0xF5) {
            return 3;
        }
        return -1;
    }

    /** Whether {@code b} may follow {@code lead} as the first continuation byte (Table 3-7). */
    private static boolean validSecond(int lead, int b) {
        return switch (lead) {
            case 0xE0 -> b >= 0xA0 && b <= 0xBF;
            case 0xED -> b >= 0x80 && b <= 0x9F;
            case 0xF0 -> b >= 0x90 && b <= 0xBF;
            case 0xF4 -> b >= 0x80 && b <= 0x8F;
            default -> b >= 0x80 && b <= 0xBF;
        };
    }

    private static boolean isContinuation(int b) {
        return b >= 0x80 && b <= 0xBF;
    }

    /** Decodes {@code len} bytes from {@code off}, replacing ill-formed parts with U+FFFD. */
    static String decodeLossy(byte[] bytes, int off, int len) {
        char[] out = new char[len];
        int o = 0;
        int i = off;
        int end = off + len;
        while (i < end) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out[o++] = (char) b0;
                i++;
                continue;
            }
            int need = continuationCount(b0);
            if (need < 0) {
                out[o++] = REPLACEMENT;
                i++;
                continue;
            }
            // Length of the longest well-formed prefix starting at i (1 = just the lead byte).
            int got = 1;
            if (i + 1 < end && validSecond(b0, bytes[i + 1] & 0xFF)) {
                got = 2;
                while (got <= need && i + got < end && isContinuation(bytes[i + got] & 0xFF)) {
                    got++;
                }
            }
            if (got <= need) {
                out[o++] = REPLACEMENT; // maximal subpart of an ill-formed or truncated sequence
                i += got;
                continue;
            }
            int cp;
            if (need == 1) {
                cp = ((b0 & 0x1F) << 6) | (bytes[i + 1] & 0x3F);
            } else if (need == 2) {
                cp = ((b0 & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F);
            } else {
                cp = ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3F) << 12)
                        | ((bytes[i + 2] & 0x3F) << 6) | (bytes[i + 3] & 0x3F);
            }
            if (cp >= 0x10000) {
                out[o++] = Character.highSurrogate(cp);
                out[o++] = Character.lowSurrogate(cp);
            } else {
                out[o++] = (char) cp;
            }
            i += need + 1;
        }
        return new String(out, 0, o);
    }

    /**
     * Length (0..3) of the trailing bytes that form a well-formed but incomplete UTF-8 sequence, i.e.
     * bytes that may still become a character when more bytes arrive. Anything else (complete or
     * hopelessly ill-formed) is reported as 0.
     */
    static int incompleteTail(byte[] bytes, int off, int len) {
        int end = off + len;
        int min = Math.max(off, end - 3);
        for (int j = end - 1; j >= min; j--) {
            int b = bytes[j] & 0xFF;
            if (isContinuation(b)) {
                continue;
            }
            int need = continuationCount(b);
            int have = end - j - 1;
            if (need <= 0 || have >= need) {
                return 0;
            }
            if (have >= 1 && !validSecond(b, bytes[j + 1] & 0xFF)) {
                return 0;
            }
            return end - j;
        }
        return 0;
    }

    /**
     * Replaces unpaired surrogates with U+FFFD. Java strings may contain them, but they have no
     * UTF-8 form (and the reference tokenizer can never see one), so they are mapped to the
     * replacement character before tokenization.
     */
    static String replaceLoneSurrogates(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        if (i >= n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n);
        sb.append(s, 0, i);
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(i + 1));
                i += 2;
            } else {
                sb.append(Character.isSurrogate(c) ? REPLACEMENT : c);
                i++;
            }
        }
        return sb.toString();
    }
}
