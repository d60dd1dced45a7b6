package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.util.JsonParseException;

/** Loader behaviour: file variants, side files, and clear errors for unsupported or broken input. */
class TokenizerLoadingTest {
    @TempDir
    Path tmp;

    /** The tiny tokenizer.json as a mutable Jackson tree. */
    private static ObjectNode tinyTree() throws Exception {
        return (ObjectNode) TokenizerFixtures.JSON.readTree(TokenizerFixtures.resource("tiny/tokenizer.json").toFile());
    }

    private static Tokenizer loadMutated(Consumer<ObjectNode> change) throws Exception {
        ObjectNode root = tinyTree();
        change.accept(root);
        return HuggingFaceTokenizerLoader.fromJson(TokenizerFixtures.JSON.writeValueAsString(root), "tokenizer.json",
                null, null);
    }

    private static String failureOf(Consumer<ObjectNode> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loadMutated(change));
        return e.getMessage();
    }

    @Test
    void gzippedFileAndDirectoryLookup() throws Exception {
        Tokenizer plain = Tokenizer.fromHuggingFace(TokenizerFixtures.resource("tiny/tokenizer.json"));
        Path dir = tmp.resolve("gz");
        Files.createDirectories(dir);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("tokenizer.json.gz")))) {
            Files.copy(TokenizerFixtures.resource("tiny/tokenizer.json"), out);
        }
        Tokenizer gz = Tokenizer.fromHuggingFace(dir);
        String s = "<|im_start|>user\nHello, world! 你好<|im_end|>";
        assertArrayEquals(plain.encode(s), gz.encode(s));
        assertEquals(plain.vocabSize(), gz.vocabSize());

        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        assertThrows(NoSuchFileException.class, () -> Tokenizer.fromHuggingFace(empty));
        assertThrows(NoSuchFileException.class, () -> Tokenizer.fromHuggingFace(tmp.resolve("missing.json")));
    }

    @Test
    void sideFilesAddTokensMissingFromTokenizerJson() throws Exception {
        // tokenizer.json without the InternVL tokens; tokenizer_config.json and added_tokens.json supply them
        ObjectNode root = tinyTree();
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        for (int i = added.size() - 1; i >= 0; i--) {
            if (added.get(i).get("id").asInt() >= 4101) {
                added.remove(i);
            }
        }
        Path dir = tmp.resolve("side");
        Files.createDirectories(dir);
        TokenizerFixtures.JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        Tokenizer bare = Tokenizer.fromHuggingFace(dir.resolve("tokenizer.json"));
        assertEquals(-1, bare.tokenId("<IMG_CONTEXT>"));

        Files.copy(TokenizerFixtures.resource("tiny/added_tokens.json"), dir.resolve("added_tokens.json"));
        Tokenizer withAddedJson = Tokenizer.fromHuggingFace(dir);
        assertEquals(4103, withAddedJson.tokenId("<IMG_CONTEXT>"));
        assertEquals(false, withAddedJson.isSpecial(4103), "added_tokens.json alone does not say special");

        Files.copy(TokenizerFixtures.resource("tiny/tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Tokenizer full = Tokenizer.fromHuggingFace(dir);
        assertEquals(4103, full.tokenId("<IMG_CONTEXT>"));
        assertEquals(true, full.isSpecial(4103));
        assertEquals(false, full.isSpecial(full.tokenId("<think>")));
        assertArrayEquals(new int[] {4101, 4103, 4102}, full.encode("<img><IMG_CONTEXT></img>"));
    }

    @Test
    void conflictingSideFilesAreRejected() throws Exception {
        Path dir = tmp.resolve("conflict");
        Files.createDirectories(dir);
        Files.copy(TokenizerFixtures.resource("tiny/tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<img>\": 4200}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("added_tokens.json") && e.getMessage().contains("<img>"), e.getMessage());
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<other>\": 4101}");
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("4101"), e.getMessage());
    }

    @Test
    void unsupportedConfigurationsNameTheField() {
        assertTrue(failureOf(r -> r.putObject("normalizer").put("type", "NFKC")).contains("normalizer.type"));
        assertTrue(failureOf(r -> ((ObjectNode) r.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern"))
                .put("Regex", "\\s+")).contains("pattern.Regex"));
        assertTrue(failureOf(r -> ((ObjectNode) r.get("pre_tokenizer").get("pretokenizers").get(1))
                .put("use_regex", true)).contains("pre_tokenizer.pretokenizers[1]"));
        assertTrue(failureOf(r -> r.putObject("decoder").put("type", "WordPiece")).contains("decoder.type"));
        assertTrue(failureOf(r -> ((ObjectNode) r.get("model")).put("type", "Unigram")).contains("model.type"));
        assertTrue(failureOf(r -> ((ObjectNode) r.get("model")).put("dropout", 0.1)).contains("model.dropout"));
        assertTrue(failureOf(r -> ((ObjectNode) r.get("model")).put("continuing_subword_prefix", "##"))
                .contains("continuing_subword_prefix"));
        assertTrue(failureOf(r -> ((ObjectNode) r.get("added_tokens").get(0)).put("lstrip", true)).contains("lstrip"));
        assertTrue(failureOf(r -> r.remove("pre_tokenizer")).contains("pre_tokenizer must be a JSON object"));
    }

    @Test
    void brokenContentIsRejectedWithDetails() {
        String m = failureOf(r -> ((ArrayNode) r.get("model").get("merges")).addArray().add("Ġ").add("nonexistent"));
        assertTrue(m.contains("merge #3840") && m.contains("nonexistent"), m);
        m = failureOf(r -> ((ObjectNode) r.get("model").get("vocab")).put("dup", 5));
        assertTrue(m.contains("id 5"), m);
        m = failureOf(r -> ((ObjectNode) r.get("model").get("vocab")).put("neg", -1));
        assertTrue(m.contains("-1"), m);
        m = failureOf(r -> ((ObjectNode) r.get("model").get("vocab")).put("huge", 2_000_000_000L));
        assertTrue(m.contains("2000000000"), m);
        m = failureOf(r -> ((ObjectNode) r.get("model").get("vocab")).put("frac", 1.5));
        assertTrue(m.contains("integer token id"), m);
        m = failureOf(r -> ((ArrayNode) r.get("model").get("merges")).add("no_space"));
        assertTrue(m.contains("model.merges[3840]"), m);
        JsonParseException j = assertThrows(JsonParseException.class,
                () -> HuggingFaceTokenizerLoader.fromJson("{\"model\": [1,}", "tokenizer.json", null, null));
        assertTrue(j.getMessage().startsWith("tokenizer.json: "), j.getMessage());
    }

    @Test
    void mergesAsStringsAndOptionalNormalizer() throws Exception {
        Tokenizer reference = loadMutated(r -> { });
        Tokenizer stringMerges = loadMutated(r -> {
            ArrayNode merges = (ArrayNode) r.get("model").get("merges");
            ArrayNode flat = TokenizerFixtures.JSON.createArrayNode();
            merges.forEach(p -> flat.add(p.get(0).asText() + " " + p.get(1).asText()));
            ((ObjectNode) r.get("model")).set("merges", flat);
        });
        String s = "The quick brown fox, 123 <think> naïve!";
        assertArrayEquals(reference.encode(s), stringMerges.encode(s));

        Tokenizer noNormalizer = loadMutated(r -> r.putNull("normalizer"));
        assertArrayEquals(reference.encode("é"), noNormalizer.encode("é"));
        assertNotEquals(reference.encode("e\u0301").length, noNormalizer.encode("e\u0301").length,
                "without NFC the decomposed form stays two characters");
    }

    @Test
    void ignoreMergesUsesWholeWordsFromTheVocabulary() throws Exception {
        Consumer<ObjectNode> addWord = r -> ((ObjectNode) r.get("model").get("vocab")).put("zzq", 4110);
        Tokenizer merging = loadMutated(addWord);
        Tokenizer ignoring = loadMutated(addWord.andThen(r -> ((ObjectNode) r.get("model")).put("ignore_merges", true)));
        assertArrayEquals(new int[] {4110}, ignoring.encode("zzq"));
        assertTrue(merging.encode("zzq").length > 1);
        assertArrayEquals(merging.encode("hello world"), ignoring.encode("hello world"));
    }

    @Test
    void ggufFactoryValidatesItsArrays() {
        String[] tokens = new String[256];
        for (int b = 0; b < 256; b++) {
            tokens[b] = String.valueOf(ByteLevel.charOf(b));
        }
        Tokenizer bytesOnly = Tokenizer.fromGgufVocabulary(tokens, null, new String[0]);
        assertEquals("héllo\n", bytesOnly.decode(bytesOnly.encode("héllo\n")));
        assertEquals("héllo\n".getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                bytesOnly.encode("héllo\n").length);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.fromGgufVocabulary(tokens, new int[3], new String[0]));
        assertTrue(e.getMessage().contains("token_type"), e.getMessage());
        int[] types = new int[256];
        java.util.Arrays.fill(types, 1);
        types[7] = 9;
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromGgufVocabulary(tokens, types, new String[0]));
        assertTrue(e.getMessage().contains("token_type[7] = 9"), e.getMessage());
        String[] dup = tokens.clone();
        dup[9] = dup[8];
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromGgufVocabulary(dup, null, new String[0]));
        assertTrue(e.getMessage().contains("tokens[9]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.fromGgufVocabulary(tokens, null, new String[] {"Ġ t"}));
        assertTrue(e.getMessage().contains("merge #0") && e.getMessage().contains("Ġt"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.fromGgufVocabulary(tokens, null, new String[] {"Ġt"}));
        assertTrue(e.getMessage().contains("merges[0]"), e.getMessage());

        // UNUSED padding is never produced and CONTROL is matched whole
        String[] withExtra = java.util.Arrays.copyOf(tokens, 258);
        withExtra[256] = "<|ctl|>";
        withExtra[257] = "[PAD257]";
        int[] extraTypes = java.util.Arrays.copyOf(types, 258);
        extraTypes[7] = 1;
        extraTypes[256] = 3;
        extraTypes[257] = 5;
        Tokenizer t = Tokenizer.fromGgufVocabulary(withExtra, extraTypes, new String[0]);
        assertArrayEquals(new int[] {256}, t.encode("<|ctl|>"));
        assertTrue(java.util.Arrays.stream(t.encode("[PAD257]")).allMatch(id -> id < 256));
        assertEquals("[PAD257]", t.decode(new int[] {257}));
        assertTrue(t.isSpecial(256));
        assertEquals(257, t.tokenId("[PAD257]"));
    }

    @Test
    void missingByteTokenFailsAtEncodeNamingTheByte() {
        String[] tokens = new String[256];
        for (int b = 0; b < 256; b++) {
            tokens[b] = String.valueOf(ByteLevel.charOf(b));
        }
        tokens[0xC3] = "not-a-byte";
        Tokenizer t = Tokenizer.fromGgufVocabulary(tokens, null, new String[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.encode("é")); // UTF-8 C3 A9
        assertTrue(e.getMessage().contains("0xC3"), e.getMessage());
        assertArrayEquals(new int[] {'a'}, t.encode("a"), "other bytes still work (ids are byte values here)");
    }
}
