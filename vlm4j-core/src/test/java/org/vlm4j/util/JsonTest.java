package org.vlm4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Checks {@link Json} against hand-written cases and against Jackson on the real tokenizer.json. */
class JsonTest {

    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"x\"], \"b\": {}, \"c\": []} ");
        Map<?, ?> m = assertInstanceOf(Map.class, v);
        assertEquals(List.of("a", "b", "c"), List.copyOf(m.keySet()), "keys keep document order");
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2L, a.get(1));
        assertEquals(3.5, a.get(2));
        assertEquals(1000.0, a.get(3));
        assertEquals(Boolean.TRUE, a.get(4));
        assertEquals(Boolean.FALSE, a.get(5));
        assertNull(a.get(6));
        assertEquals("x", a.get(7));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of(), m.get("c"));
    }

    @Test
    void numbers() {
        assertEquals(0L, Json.parse("0"));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(new BigInteger("9223372036854775808"), Json.parse("9223372036854775808"));
        assertEquals(1.5e-7, Json.parse("1.5E-7"));
        assertEquals(2e+2, Json.parse("2e+2"));
        for (String bad : new String[] {"01", "1.", ".5", "-", "1e", "+1", "0x10", "1.e5", "--1"}) {
            assertThrows(JsonParseException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void stringEscapesAndSurrogatePairs() {
        assertEquals("a\"b\\c/d\b\f\n\r\t", Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
        assertEquals("Ġ", Json.parse("\"\\u0120\""));
        assertEquals("😀", Json.parse("\"\\ud83d\\ude00\""));
        assertEquals("😀".codePointAt(0), ((String) Json.parse("\"\\uD83D\\uDE00\"")).codePointAt(0));
        assertEquals("你好", Json.parse("\"你好\""), "raw UTF-16 text passes through");
        assertEquals("x😀y", Json.parse("\"x😀y\""));
    }

    @Test
    void errorsNamePositionLineAndColumn() {
        JsonParseException e = assertThrows(JsonParseException.class, () -> Json.parse("{\n  \"a\": 1,\n  \"b\" 2\n}", "f.json"));
        assertEquals(3, e.line());
        assertEquals(7, e.column());
        assertTrue(e.getMessage().startsWith("f.json: expected ':'"), e.getMessage());
        assertTrue(e.getMessage().contains("line 3, column 7"), e.getMessage());

        assertThrows(JsonParseException.class, () -> Json.parse(""));
        assertThrows(JsonParseException.class, () -> Json.parse("[1, 2"));
        assertThrows(JsonParseException.class, () -> Json.parse("[1,]"));
        assertThrows(JsonParseException.class, () -> Json.parse("{\"a\":1,}"));
        assertThrows(JsonParseException.class, () -> Json.parse("\"abc"));
        assertThrows(JsonParseException.class, () -> Json.parse("\"a\nb\""), "raw control character");
        assertThrows(JsonParseException.class, () -> Json.parse("\"\\x\""));
        assertThrows(JsonParseException.class, () -> Json.parse("\"\\u12G4\""));
        assertThrows(JsonParseException.class, () -> Json.parse("\"\\u12\""));
        assertThrows(JsonParseException.class, () -> Json.parse("tru"));
        assertThrows(JsonParseException.class, () -> Json.parse("nul"));
        assertThrows(JsonParseException.class, () -> Json.parse("{} {}"));
        assertThrows(JsonParseException.class, () -> Json.parse("{1: 2}"));
        JsonParseException dup = assertThrows(JsonParseException.class, () -> Json.parse("{\"k\":1,\"k\":2}"));
        assertTrue(dup.getMessage().contains("duplicate object key \"k\""), dup.getMessage());
        assertEquals(7, dup.offset());
    }

    @Test
    void deepNestingIsRejectedNotAStackOverflow() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertInstanceOf(List.class, Json.parse(ok));
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        JsonParseException e = assertThrows(JsonParseException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
    }

    @Test
    void byteOrderMarkIsSkipped() {
        assertEquals(List.of(1L), Json.parse("\uFEFF[1]"));
    }

    /** The 7 MB real tokenizer.json must parse to exactly what Jackson sees. */
    @Test
    void realTokenizerJsonMatchesJackson() throws Exception {
        String text;
        try (InputStream in = new GZIPInputStream(
                JsonTest.class.getResourceAsStream("/fixtures/tokenizer/tokenizer.json.gz"))) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<?, ?> root = (Map<?, ?>) Json.parse(text, "tokenizer.json");
        JsonNode ref = new ObjectMapper().readTree(text);
        Map<?, ?> vocab = (Map<?, ?>) ((Map<?, ?>) root.get("model")).get("vocab");
        JsonNode refVocab = ref.get("model").get("vocab");
        assertEquals(refVocab.size(), vocab.size());
        Iterator<Map.Entry<String, JsonNode>> it = refVocab.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            assertEquals(e.getValue().asLong(), vocab.get(e.getKey()), e.getKey());
        }
        List<?> merges = (List<?>) ((Map<?, ?>) root.get("model")).get("merges");
        JsonNode refMerges = ref.get("model").get("merges");
        assertEquals(refMerges.size(), merges.size());
        for (int i = 0; i < merges.size(); i += 997) {
            List<?> pair = (List<?>) merges.get(i);
            assertEquals(refMerges.get(i).get(0).asText(), pair.get(0));
            assertEquals(refMerges.get(i).get(1).asText(), pair.get(1));
        }
        List<?> added = (List<?>) root.get("added_tokens");
        assertEquals(ref.get("added_tokens").size(), added.size());
        assertEquals(ref.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern").get("Regex").asText(),
                ((Map<?, ?>) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) root.get("pre_tokenizer")).get("pretokenizers"))
                        .get(0)).get("pattern")).get("Regex"));
    }
}
