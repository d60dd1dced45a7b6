package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tiny test model's vocabulary (fixtures/tokenizer/tiny/tokenizer.json, a prefix of the real
 * Qwen3 BPE) must give the prompt ids of the text goldens. Expected ids are quoted from the fixture
 * README section 3 (llama.cpp {@code llama_tokenize(parse_special=true)}; HF tokenizers agrees).
 */
class TinyVocabularyTest {
    private static final String SYSTEM = "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。";

    private static Tokenizer tiny;

    @BeforeAll
    static void load() throws Exception {
        tiny = Tokenizer.fromHuggingFace(TokenizerFixtures.resource("tiny/tokenizer.json"));
    }

    private static int[] ids(String spaceSeparated) {
        return Arrays.stream(spaceSeparated.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void vocabularyShape() {
        assertEquals(4110, tiny.vocabSize());
        assertEquals(4096, tiny.requireTokenId("<|endoftext|>"));
        assertEquals(4098, tiny.requireTokenId("<|im_end|>"));
        assertEquals(4103, tiny.requireTokenId("<IMG_CONTEXT>"));
        assertTrue(tiny.isSpecial(tiny.requireTokenId("<img>")));
        assertFalse(tiny.isSpecial(tiny.requireTokenId("<think>")));
        assertTrue(tiny.isAddedToken(tiny.requireTokenId("<think>")));
        assertArrayEquals(new int[] {82, 612}, tiny.encode("system"), "README example: s + ystem");
    }

    @Test
    void t1ChatPrompt() {
        String prompt = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                + "Hello, who are you?<|im_end|>\n<|im_start|>assistant\n";
        assertArrayEquals(ids("4097 82 612 198 2610 525 264 1492 1262 1071 380 517 13 4098 198 4097 872 198 39 301"
                + " 385 11 879 525 498 30 4098 198 4097 395 380 517 198"), tiny.encode(prompt));
    }

    @Test
    void t2PlainText() {
        assertArrayEquals(ids("785 3974 293 651 77 282 78 87"), tiny.encode("The quick brown fox"));
        assertArrayEquals(ids("785 3974 293 651 77 282 78 87"), tiny.encodeOrdinary("The quick brown fox"));
    }

    private static final String M1_FIRST_IDS = "4097 82 612 198 160 121 254 162 246 107 160 117 99 163 242 253 126 115"
            + " 3490 229 164 109 94 3837 164 233 109 162 244 229 161 238 235 162 246 107 1072 932 53 43 3837 162 246 107"
            + " 163 242 109 3490 232 162 113 115 160 118 118 161 115 98 162 247 118 164 225 121 161 106 252 165 103 234"
            + " 161 106 97 1277 223 162 116 227 161 235 236 161 97 100 161 255 99 161 237 232 161 97 248 161 106 114 161"
            + " 238 230 160 121 250 161 235 243 160 121 235 164 223 242 161 238 230 161 120 222 161 237 239 163 248 226"
            + " 161 97 248 162 101 94 162 222 223 161 97 100 164 107 255 164 101 222 162 101 94 161 252 233 1773 4098"
            + " 198 4097 872 198 4101";
    private static final String M1_AFTER_IDS = "4102 198 35 288 3114 279 2168 13 4098 198 4097 395 380 517 198";

    @Test
    void m1SegmentsAroundTheImage() {
        String first = "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n<img>";
        String after = "</img>\nDescribe the image.<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(154, ids(M1_FIRST_IDS).length);
        assertArrayEquals(ids(M1_FIRST_IDS), tiny.encode(first));
        assertArrayEquals(ids(M1_AFTER_IDS), tiny.encode(after));

        // the whole HF query with 256 <IMG_CONTEXT> gives the same ids with the context id in between
        String query = first + "<IMG_CONTEXT>".repeat(256) + after;
        int ctx = tiny.requireTokenId("<IMG_CONTEXT>");
        int[] expected = IntStream.concat(IntStream.concat(Arrays.stream(ids(M1_FIRST_IDS)),
                IntStream.generate(() -> ctx).limit(256)), Arrays.stream(ids(M1_AFTER_IDS))).toArray();
        assertArrayEquals(expected, tiny.encode(query));
        assertEquals(query, tiny.decode(expected));
    }

    @Test
    void m3SecondTurn() {
        assertArrayEquals(ids("4098 198 4097 872 198 3838 1894 82 653 498 1490 30 4098 198 4097 395 380 517 198"),
                tiny.encode("<|im_end|>\n<|im_start|>user\nWhat colors do you see?<|im_end|>\n<|im_start|>assistant\n"));
    }

    @Test
    void ggufFactoryOnTheTinyArraysAgrees() {
        // build the GGUF-style arrays the way the tiny GGUF stores them: tokens by id, types, merges
        int n = tiny.vocabSize();
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            tokens[id] = tiny.tokenText(id);
            types[id] = tiny.isSpecial(id) ? 3 : tiny.isAddedToken(id) ? 4 : 1;
        }
        String[] merges = TinyMerges.read();
        Tokenizer gguf = Tokenizer.fromGgufVocabulary(tokens, types, merges);
        String prompt = "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<think>\n\n</think>\n\nHello";
        assertArrayEquals(tiny.encode(prompt), gguf.encode(prompt));
    }

    /** Reads the tiny merge list from its tokenizer.json with Jackson (independent of our parser). */
    private static final class TinyMerges {
        static String[] read() {
            try {
                var m = TokenizerFixtures.JSON.readTree(TokenizerFixtures.resource("tiny/tokenizer.json").toFile())
                        .get("model").get("merges");
                String[] out = new String[m.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = m.get(i).get(0).asText() + " " + m.get(i).get(1).asText();
                }
                return out;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
