package org.vlm4j.tokenizer;

import java.util.Random;

/**
 * Seeded generator of adversarial tokenizer input: mixed scripts, every kind of Unicode whitespace
 * (including the ones whose classification differs between regex engines), digits of several
 * kinds, contractions in odd cases, combining marks and Hangul jamo (NFC changes), emoji sequences,
 * control characters and added tokens (whole, broken and nested). Only characters assigned since
 * Unicode 13 or earlier are used so that the Unicode version of the reference does not matter.
 */
final class RandomText {
    private static final String[] WORDS = {
        "the", "The", "THE", "hello", "world", "InternVL", "tokenizer", "Qwen", "image", "describe", "a", "I",
        "supercalifragilistic", "don", "camelCase", "snake_case", "x", "ab", "naïve", "café", "Größe", "straße",
        "Привет", "мир", "Γειά", "שלום", "مرحبا", "नमस्ते", "สวัสดี", "你好", "世界", "人工智能", "こんにちは", "カタカナ",
        "한국어", "ǅemal", "𝐀𝐁𝐂", "𠀀𠀁", "ᚠᚢᚦ", "ⅫⅣ", "ª", "º"
    };
    private static final String[] CONTRACTIONS = {
        "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'lL", "'D", "'ſ", "'ſt", "'x", "'",
        "''", "’s", "'K", "'LL", "'rE"
    };
    private static final String[] DIGITS = {
        "0", "7", "42", "123", "2024", "3.14", "1,000", "٣", "۴", "０１", "²³", "½", "Ⅻ", "①", "𝟘𝟙", "১", "๓"
    };
    private static final String[] SPACES = {
        " ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", "\u000B", "\u000C", "\u0085", "\u00A0",
        "\u1680", "\u2000", "\u2002", "\u2003", "\u2009", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F",
        "\u3000", "\u001C", "\u001D", "\u001E", "\u001F", "\u180E", "\u200B", "\uFEFF", " \n ", "\t \n",
        "  \n\n  ", "\n "
    };
    private static final String[] PUNCT = {
        ".", ",", "!", "?", "...", "--", "—", "–", "…", "(", ")", "[", "]", "{", "}", "<", ">", "\"", "“", "”",
        "«", "»", "¿", "¡", "@", "#", "$", "€", "%", "&", "*", "+", "=", "/", "\\", "|", "_", "~", "`", "^",
        "::", "->", "=>", "!=", "</", "/>", "#!", "\u0000", "\u0007", "\u001B", "\u007F", "\u00AD", "\u0301",
        "\u0308"
    };
    private static final String[] EMOJI = {
        "😀", "👍", "👍🏽", "👨\u200D👩\u200D👧", "🇩🇪", "❤️", "1️⃣", "🏳️\u200D🌈", "🦙", "✅", "★", "→", "∑"
    };
    private static final String[] NFC = {
        "e\u0301", "a\u0308", "A\u030A", "\u212B", "\u2126", "\u1100\u1161\u11A8", "\u1112\u1161\u11AB",
        "o\u0302\u0301", "\u0915\u093C", "n\u0303", "Z\u0335\u0321", "\u00E9\u0301", "\u2000", "\uFB01", "\u0340"
    };
    private static final String[] ADDED = {
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<img>", "</img>", "<IMG_CONTEXT>", "<think>", "</think>",
        "<tool_call>", "<|fim_prefix|>", "<box>", "</box>", "<ref>", "<quad>", "<|vision_pad|>",
        "<|im_", "<im", "</img >", "<<img>>", "<|IM_END|>", "<IMG_CONTEXT", "<|im_end|", "<think"
    };

    private final Random random;
    private final boolean withAddedTokens;

    RandomText(long seed, boolean withAddedTokens) {
        this.random = new Random(seed);
        this.withAddedTokens = withAddedTokens;
    }

    String next() {
        StringBuilder sb = new StringBuilder();
        int fragments = 1 + random.nextInt(12);
        for (int f = 0; f < fragments; f++) {
            int kind = random.nextInt(withAddedTokens ? 100 : 92);
            if (kind < 28) {
                sb.append(pick(WORDS));
            } else if (kind < 36) {
                sb.append(pick(CONTRACTIONS));
            } else if (kind < 46) {
                sb.append(pick(DIGITS));
            } else if (kind < 64) {
                sb.append(pick(SPACES));
            } else if (kind < 76) {
                sb.append(pick(PUNCT));
            } else if (kind < 82) {
                sb.append(pick(EMOJI));
            } else if (kind < 88) {
                sb.append(pick(NFC));
            } else if (kind < 92) {
                randomRun(sb);
            } else {
                sb.append(pick(ADDED));
            }
        }
        return sb.toString();
    }

    /** A run of random code points from a few blocks (BMP and supplementary). */
    private void randomRun(StringBuilder sb) {
        int[][] blocks = {{0x20, 0x7E}, {0xA0, 0x24F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x4E00, 0x4FFF},
            {0xAC00, 0xAD00}, {0x2000, 0x206F}, {0x3000, 0x303F}, {0x1F300, 0x1F64F}, {0x0900, 0x097F}};
        int[] b = blocks[random.nextInt(blocks.length)];
        int len = 1 + random.nextInt(8);
        for (int i = 0; i < len; i++) {
            int cp = b[0] + random.nextInt(b[1] - b[0] + 1);
            if (Character.isDefined(cp) && !Character.isSurrogate((char) cp) && Character.getType(cp) != Character.UNASSIGNED
                    && Character.UnicodeBlock.of(cp) != null && assignedByUnicode13(cp)) {
                sb.appendCodePoint(cp);
            }
        }
    }

    /** Conservative filter: the blocks above were complete by Unicode 13 except a few late additions. */
    private static boolean assignedByUnicode13(int cp) {
        return !(cp >= 0x2065 && cp <= 0x2069) && !(cp >= 0x1F6D5 && cp <= 0x1F6FF);
    }

    private String pick(String[] pool) {
        return pool[random.nextInt(pool.length)];
    }
}
