package org.vlm4j.tokenizer;

/**
 * Hand-coded equivalent of the Qwen2/Qwen3 pre-tokenizer regex
 *
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 *
 * <p>applied with "find all" semantics of a backtracking engine (leftmost match, alternatives tried in
 * order). Why not {@code java.util.regex}: the reference (HF tokenizers, Oniguruma) has Unicode
 * semantics that differ from Java's defaults in details, and a direct scanner is several times
 * faster. The semantics reproduced here, each checked against HF tokenizers:
 *
 * <ul>
 *   <li>{@code \s} is the Unicode White_Space set as Oniguruma defines it: U+0009..U+000D, U+0085 and
 *       the categories Zs, Zl, Zp (so NBSP, U+3000 and U+2028 are whitespace; U+001C..U+001F,
 *       U+180E and U+200B are not).
 *   <li>{@code \p{L}} is general category L*, {@code \p{N}} is N* (Nd, Nl, No) and matches a single
 *       code point, so numbers are split digit by digit.
 *   <li>The contractions are case-insensitive with Unicode simple case folding, so U+017F (long s)
 *       matches {@code s}.
 *   <li>Backtracking results: {@code \s*[\r\n]+} ends after the last CR/LF of a whitespace run;
 *       {@code \s+(?!\S)} leaves the last whitespace character of a run for the next piece when the
 *       run is followed by a non-space.
 * </ul>
 *
 * <p>The input must not contain unpaired surrogates (callers replace them first). Stateless and
 * thread-safe.
 */
final class Qwen2PreTokenizer {
    static final String REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte SPACE = 3; // whitespace other than CR/LF
    static final byte NEWLINE = 4; // '\r' or '\n' (also whitespace)

    private static final byte[] BMP_CLASS = new byte[65536];

    static {
        for (int c = 0; c < 65536; c++) {
            BMP_CLASS[c] = computeClass(c);
        }
    }

    private Qwen2PreTokenizer() {}

    private static byte computeClass(int cp) {
        if (cp == '\r' || cp == '\n') {
            return NEWLINE;
        }
        if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) {
            return SPACE;
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            default:
                return OTHER;
        }
    }

    /** Character class of a code point: {@link #OTHER}, {@link #LETTER}, {@link #NUMBER}, ... */
    static byte classOf(int cp) {
        return cp < 65536 ? BMP_CLASS[cp] : computeClass(cp);
    }

    /**
     * Splits {@code s} into pieces; appends the end offset (exclusive, in chars) of every piece to
     * {@code ends}. The pieces cover the whole string.
     */
    static void split(String s, IntList ends) {
        final int n = s.length();
        int i = 0;
        while (i < n) {
            int end = pieceEnd(s, i, n);
            ends.add(end);
            i = end;
        }
    }

    private static int pieceEnd(String s, int i, int n) {
        int c = s.codePointAt(i);
        int w = c >= 0x10000 ? 2 : 1;
        byte cl = classOf(c);

        // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'') {
            int e = contractionEnd(s, i + 1, n);
            if (e > 0) {
                return e;
            }
        }
        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if (cl == LETTER) {
            return skipLetters(s, i + w, n);
        }
        if (cl != NUMBER && cl != NEWLINE && i + w < n) {
            int next = s.codePointAt(i + w);
            if (classOf(next) == LETTER) {
                return skipLetters(s, i + w + Character.charCount(next), n);
            }
        }
        // 3. \p{N}
        if (cl == NUMBER) {
            return i + w;
        }
        // 4. ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int j = -1;
        if (cl == OTHER) {
            j = i + w;
        } else if (c == ' ' && i + 1 < n) {
            int next = s.codePointAt(i + 1);
            if (classOf(next) == OTHER) {
                j = i + 1 + Character.charCount(next);
            }
        }
        if (j >= 0) {
            while (j < n) {
                int d = s.codePointAt(j);
                if (classOf(d) != OTHER) {
                    break;
                }
                j += Character.charCount(d);
            }
            while (j < n && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        // c is whitespace. Find the run, the last CR/LF in it and the start of its last character.
        int k = i;
        int lastNewline = -1;
        int lastStart = i;
        while (k < n) {
            int d = s.codePointAt(k);
            byte dc = classOf(d);
            if (dc == NEWLINE) {
                lastNewline = k;
            } else if (dc != SPACE) {
                break;
            }
            lastStart = k;
            k += Character.charCount(d);
        }
        // 5. \s*[\r\n]+
        if (lastNewline >= 0) {
            return lastNewline + 1;
        }
        // 6. \s+(?!\S)
        if (k == n) {
            return n;
        }
        if (lastStart > i) {
            return lastStart;
        }
        // 7. \s+
        return k;
    }

    private static int skipLetters(String s, int j, int n) {
        while (j < n) {
            char ch = s.charAt(j);
            if (!Character.isSurrogate(ch)) {
                if (BMP_CLASS[ch] != LETTER) {
                    return j;
                }
                j++;
            } else {
                int d = s.codePointAt(j);
                if (classOf(d) != LETTER) {
                    return j;
                }
                j += Character.charCount(d);
            }
        }
        return j;
    }

    /** End of a contraction whose letters start at {@code j} (after the apostrophe), or -1. */
    private static int contractionEnd(String s, int j, int n) {
        if (j >= n) {
            return -1;
        }
        char a = fold(s.charAt(j));
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return j + 1;
        }
        if (j + 1 < n) {
            char b = fold(s.charAt(j + 1));
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return j + 2;
            }
        }
        return -1;
    }

    /** Simple case folding restricted to what the contraction letters need. */
    private static char fold(char c) {
        if (c >= 'A' && c <= 'Z') {
            return (char) (c + 32);
        }
        if (c == '\u017F') { // LATIN SMALL LETTER LONG S folds to 's'
            return 's';
        }
        return c;
    }
}
