package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.gguf.GgufFixtures;

/** {@code vlm4j info} on the llama.cpp-written fixtures. */
class InfoCommandTest {
    @TempDir
    static Path tmp;

    static Path fixture(String name) {
        return GgufFixtures.path(name, tmp);
    }

    @Test
    void textSummary() {
        Cli r = Cli.run("info", fixture(GgufFixtures.TEXT_Q8_0).toString());
        assertEquals(0, r.status(), r.toString());
        String o = r.out();
        assertTrue(o.contains("architecture:   qwen3\n"), o);
        assertTrue(o.contains("GGUF version:   3\n"), o);
        assertTrue(o.contains("file type:      MOSTLY_Q8_0 (7)\n"), o);
        assertTrue(o.contains("alignment:      32\n"), o);
        assertTrue(o.contains("tensors:        25\n"), o);
        assertTrue(o.contains("data offset:    125,952\n"), o);
        assertTrue(o.contains("metadata (25 keys):"), o);
        // 2 x (64 x 4160) embeddings + 2 x 20,480 per layer... as stated by the reference manifest: text part of 822,912
        assertTrue(o.contains("parameters:     631,232 "), o);
        assertTrue(o.contains("(4,160 elements)]"), "long arrays are summarised:\n" + o);
        assertTrue(o.matches("(?s).*token_embd\\.weight\\s+Q8_0\\s+\\[64, 4160\\]\\s+266,240\\s+282,880\n.*"), o);
        assertTrue(o.matches("(?s).*\\n  Q8_0\\s+16 tensors\\s+630,784 params.*"), o);
        assertTrue(o.matches("(?s).*\\n  F32\\s+9 tensors\\s+448 params.*"), o);
        assertTrue(o.contains("... (201 chars)"), "long strings are summarised:\n" + o);
        assertEquals("", r.err());
    }

    @Test
    void allPrintsEveryElement() {
        Cli r = Cli.run("info", "--all", fixture(GgufFixtures.TEXT_F32).toString());
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.out().contains("elements)]"), "nothing may be summarised with --all");
        assertTrue(r.out().contains("\"[PAD4159]\"]"), "the last token is printed");
        assertTrue(r.out().contains("'<|im_end|>' + '\\\\n' }}{% endfor %}"), "the chat template is printed whole");
    }

    @Test
    void mmproj() {
        Cli r = Cli.run("info", fixture(GgufFixtures.MMPROJ_F16).toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("architecture:   clip\n"), r.out());
        assertTrue(r.out().contains("tensors:        46\n"), r.out());
        assertTrue(r.out().contains("file type:      MOSTLY_F16 (1)\n"), r.out());
        assertTrue(r.out().contains("clip.vision.image_mean"), r.out());
        assertTrue(r.out().contains("[0.485, 0.456, 0.406]"), r.out());
    }

    @Test
    void jsonIsValidAndComplete() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Cli r = Cli.run("info", "--json", fixture(GgufFixtures.TEXT_Q8_0).toString());
        assertEquals(0, r.status(), r.toString());
        JsonNode n = json.readTree(r.out());
        assertEquals("qwen3", n.get("architecture").asText());
        assertEquals(3, n.get("version").asInt());
        assertEquals(7, n.get("file_type").get("id").asInt());
        assertEquals("MOSTLY_Q8_0", n.get("file_type").get("name").asText());
        assertEquals(25, n.get("tensors").size());
        assertEquals(25, n.get("metadata").size());
        assertEquals(4098, n.get("metadata").get("tokenizer.ggml.eos_token_id").get("value").asInt());
        JsonNode tokens = n.get("metadata").get("tokenizer.ggml.tokens");
        assertEquals(4160, tokens.get("length").asInt());
        assertEquals(8, tokens.get("head").size());
        assertEquals(631_232, n.get("totals").get("parameters").asLong());
        assertEquals(16, n.get("by_type").get("Q8_0").get("tensors").asInt());
        JsonNode first = n.get("tensors").get(0);
        assertEquals("output.weight", first.get("name").asText());
        assertEquals(282_880, first.get("bytes").asLong());
        assertEquals(64, first.get("shape").get(0).asInt());

        JsonNode all = json.readTree(Cli.run("info", "--json", "--all", fixture(GgufFixtures.TEXT_Q8_0).toString()).out());
        JsonNode allTokens = all.get("metadata").get("tokenizer.ggml.tokens").get("value");
        assertEquals(4160, allTokens.size());
        assertEquals("<|im_end|>", allTokens.get(4098).asText());
        assertEquals(1e-6, all.get("metadata").get("qwen3.attention.layer_norm_rms_epsilon").get("value").asDouble(), 1e-12);
    }
}
