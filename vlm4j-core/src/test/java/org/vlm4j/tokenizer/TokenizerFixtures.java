package org.vlm4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Shared, lazily loaded tokenizer fixtures (see resources/fixtures/tokenizer/SOURCES.md). */
final class TokenizerFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One line of tokenizer_goldens.jsonl. */
    record Golden(String id, String category, String text, int[] ids, List<String> tokens, String decoded) {}

    private static Tokenizer real;
    private static List<Golden> goldens;
    private static JsonNode realJson;

    private TokenizerFixtures() {}

    static Path resource(String name) {
        try {
            return Path.of(TokenizerFixtures.class.getResource("/fixtures/tokenizer/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The real Qwen3 + InternVL tokenizer, loaded from the fixture directory (gzipped tokenizer.json). */
    static synchronized Tokenizer real() {
        if (real == null) {
            try {
                real = Tokenizer.fromHuggingFace(resource("tokenizer.json.gz").getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return real;
    }

    /** The real tokenizer.json as a Jackson tree (independent of our JSON parser). */
    static synchronized JsonNode realJson() {
        if (realJson == null) {
            try (InputStream in = new GZIPInputStream(
                    TokenizerFixtures.class.getResourceAsStream("/fixtures/tokenizer/tokenizer.json.gz"))) {
                realJson = JSON.readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return realJson;
    }

    static synchronized List<Golden> goldens() {
        if (goldens == null) {
            List<Golden> list = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    TokenizerFixtures.class.getResourceAsStream("/fixtures/tokenizer/tokenizer_goldens.jsonl"),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode o = JSON.readTree(line);
                    int[] ids = new int[o.get("ids").size()];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = o.get("ids").get(i).asInt();
                    }
                    List<String> tokens = new ArrayList<>();
                    o.get("tokens").forEach(t -> tokens.add(t.asText()));
                    list.add(new Golden(o.get("id").asText(), o.get("category").asText(), o.get("text").asText(),
                            ids, tokens, o.get("decoded").asText()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            goldens = List.copyOf(list);
        }
        return goldens;
    }

    /**
     * The arrays a GGUF file would carry for the real vocabulary, built from tokenizer.json with
     * Jackson: tokens by id, token types (1 normal, 3 special added, 4 other added), "a b" merges.
     */
    static Tokenizer realViaGgufArrays() {
        JsonNode root = realJson();
        JsonNode vocab = root.get("model").get("vocab");
        int size = vocab.size();
        for (JsonNode t : root.get("added_tokens")) {
            size = Math.max(size, t.get("id").asInt() + 1);
        }
        String[] tokens = new String[size];
        int[] types = new int[size];
        Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            tokens[e.getValue().asInt()] = e.getKey();
            types[e.getValue().asInt()] = 1;
        }
        for (JsonNode t : root.get("added_tokens")) {
            tokens[t.get("id").asInt()] = t.get("content").asText();
            types[t.get("id").asInt()] = t.get("special").asBoolean() ? 3 : 4;
        }
        JsonNode m = root.get("model").get("merges");
        String[] merges = new String[m.size()];
        for (int i = 0; i < merges.length; i++) {
            merges[i] = m.get(i).get(0).asText() + " " + m.get(i).get(1).asText();
        }
        return Tokenizer.fromGgufVocabulary(tokens, types, merges);
    }
}
