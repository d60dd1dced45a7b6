package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufMetadata;
import org.vlm4j.gguf.GgufValue;

/** The tokenizer embedded in a GGUF file (the tiny fixture model) gives the reference ids. */
class GgufTokenizerTest {
    static Path fixture(String name) throws Exception {
        return Path.of(GgufTokenizerTest.class.getResource("/fixtures/tiny/gguf/" + name).toURI());
    }

    @Test
    void tinyModelTokenizesTheT1PromptLikeLlamaCpp() throws Exception {
        try (GgufFile f = GgufFile.open(fixture("tiny-f32.gguf"))) {
            Tokenizer tok = Tokenizer.fromGguf(f);
            String prompt = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                    + "Hello, who are you?<|im_end|>\n<|im_start|>assistant\n";
            int[] expected = {4097, 82, 612, 198, 2610, 525, 264, 1492, 1262, 1071, 380, 517, 13, 4098, 198, 4097,
                872, 198, 39, 301, 385, 11, 879, 525, 498, 30, 4098, 198, 4097, 395, 380, 517, 198};
            assertArrayEquals(expected, tok.encode(prompt));
            assertArrayEquals(new int[] {785, 3974, 293, 651, 77, 282, 78, 87}, tok.encode("The quick brown fox"));
            assertEquals(4103, tok.requireTokenId("<IMG_CONTEXT>"));
            assertEquals(prompt, tok.decode(expected));
        }
    }

    @Test
    void rejectsANonBpeTokenizerNamingTheKey() throws Exception {
        try (GgufFile f = GgufFile.open(fixture("tiny-f32.gguf"))) {
            Map<String, GgufValue> md = new LinkedHashMap<>(f.metadata().entries());
            md.put("tokenizer.ggml.model", GgufValue.ofString("llama"));
            GgufMetadata fake = withMetadata(f, md);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromGgufMetadata(fake, "fake.gguf"));
            assertTrue(e.getMessage().contains("tokenizer.ggml.model"), e.getMessage());
            md.remove("tokenizer.ggml.model");
            e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromGgufMetadata(withMetadata(f, md), "fake.gguf"));
            assertTrue(e.getMessage().contains("tokenizer.ggml.model is missing"), e.getMessage());
            md.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"));
            md.put("tokenizer.ggml.merges", GgufValue.ofArray(GgufArray.ofInts(1, 2)));
            e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromGgufMetadata(withMetadata(f, md), "fake.gguf"));
            assertTrue(e.getMessage().contains("tokenizer.ggml.merges"), e.getMessage());
        }
    }

    private static GgufMetadata withMetadata(GgufFile f, Map<String, GgufValue> md) {
        return new GgufMetadata(md, "fake.gguf");
    }
}
