package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-coded splitter against (a) pieces observed from HF tokenizers for the Unicode
 * whitespace and case-folding corner cases, and (b) java.util.regex running the very same pattern
 * with Unicode character classes, on many random strings. (HfTokenizersParityTest checks it against
 * the reference implementation directly.)
 */
class Qwen2PreTokenizerTest {

    static List<String> pieces(String s) {
        IntList ends = new IntList(16);
        Qwen2PreTokenizer.split(s, ends);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int k = 0; k < ends.size(); k++) {
            out.add(s.substring(start, ends.get(k)));
            start = ends.get(k);
        }
        return out;
    }

    @Test
    void cornerCasesObservedFromTheReference() {
        // Splits reported by HF tokenizers 0.21 (pre-tokenizer probe with a WordLevel model).
        assertEquals(List.of("x", "\u001c\u001c", "y"), pieces("x\u001c\u001cy"), "U+001C is not whitespace");
        assertEquals(List.of("x", "\u0085", "\u0085y"), pieces("x\u0085\u0085y"), "U+0085 is whitespace");
        assertEquals(List.of("x", "\u2028", "\u2028y"), pieces("x\u2028\u2028y"));
        assertEquals(List.of("x", "\u3000", "\u3000y"), pieces("x\u3000\u3000y"));
        assertEquals(List.of("x", "\u00a0", "\u00a0y"), pieces("x\u00a0\u00a0y"));
        assertEquals(List.of("x", "\u180e\u180e", "y"), pieces("x\u180e\u180ey"), "U+180E is not whitespace");
        assertEquals(List.of("a", "\u200b\u200b", "b"), pieces("a\u200b\u200bb"));
        assertEquals(List.of("x", "'ſ", "ab"), pieces("x'ſab"), "long s case-folds to s");
        assertEquals(List.of("x", "'S", "ab"), pieces("x'Sab"));
        assertEquals(List.of("x", "'ﬅab"), pieces("x'ﬅab"), "no multi-character folding");
        assertEquals(List.of("x", "'LL", "ab"), pieces("x'LLab"));
        assertEquals(List.of("x", "'ʟab"), pieces("x'ʟab"));
        assertEquals(List.of("a", "😀b"), pieces("a😀b"), "a symbol joins the following letters");
    }

    @Test
    void regexSemanticsOnClassicCases() {
        assertEquals(List.of("a", " ", " b"), pieces("a  b"));
        assertEquals(List.of("a", "\t", "\tb"), pieces("a\t\tb"));
        assertEquals(List.of("a", " \n", " b"), pieces("a \n b"));
        assertEquals(List.of("hi", "\n\n\n", "there", "  \n"), pieces("hi\n\n\nthere  \n"));
        assertEquals(List.of("\n", "    "), pieces("\n    "));
        assertEquals(List.of("  ", " both", " sides", "   "), pieces("   both sides   "));
        assertEquals(List.of("1", "2", "3", " ", "4"), pieces("123 4"));
        assertEquals(List.of("I", "'m", " sure", " it", "'s"), pieces("I'm sure it's"));
        assertEquals(List.of("!\n\n"), pieces("!\n\n"));
        assertEquals(List.of(" (", "0", ")"), pieces(" (0)"));
        assertEquals(List.of("  \n  \n"), pieces("  \n  \n"));
        assertEquals(List.of(), pieces(""));
    }

    @Test
    void agreesWithJavaRegexOnRandomText() {
        Pattern p = Pattern.compile(Qwen2PreTokenizer.REGEX, Pattern.UNICODE_CHARACTER_CLASS);
        RandomText gen = new RandomText(12345L, true);
        for (int i = 0; i < 5000; i++) {
            String s = gen.next();
            List<String> expected = new ArrayList<>();
            Matcher m = p.matcher(s);
            int last = 0;
            while (m.find()) {
                assertEquals(last, m.start(), "the regex covers the whole string");
                expected.add(m.group());
                last = m.end();
            }
            assertEquals(s.length(), last);
            assertEquals(expected, pieces(s), () -> "input " + TokenizerGoldenTest.escape(s));
        }
    }

    @Test
    void characterClasses() {
        assertEquals(Qwen2PreTokenizer.LETTER, Qwen2PreTokenizer.classOf('ǅ'));
        assertEquals(Qwen2PreTokenizer.LETTER, Qwen2PreTokenizer.classOf(0x1D400), "supplementary letter");
        assertEquals(Qwen2PreTokenizer.NUMBER, Qwen2PreTokenizer.classOf('Ⅻ'));
        assertEquals(Qwen2PreTokenizer.NUMBER, Qwen2PreTokenizer.classOf('½'));
        assertEquals(Qwen2PreTokenizer.NUMBER, Qwen2PreTokenizer.classOf(0x1D7D8), "supplementary digit");
        assertEquals(Qwen2PreTokenizer.NEWLINE, Qwen2PreTokenizer.classOf('\r'));
        for (int ws : new int[] {0x09, 0x0B, 0x0C, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000}) {
            assertEquals(Qwen2PreTokenizer.SPACE, Qwen2PreTokenizer.classOf(ws), Integer.toHexString(ws));
        }
        for (int other : new int[] {0x1C, 0x1F, 0x180E, 0x200B, 0xFEFF, 0x00AD, 0x0301}) {
            assertEquals(Qwen2PreTokenizer.OTHER, Qwen2PreTokenizer.classOf(other), Integer.toHexString(other));
        }
    }
}
