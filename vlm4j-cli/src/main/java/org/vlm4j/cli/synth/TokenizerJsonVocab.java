package org.vlm4j.cli.synth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Builds a {@link SynthVocab} from a Hugging Face {@code tokenizer.json} (a byte-level BPE model
 * such as Qwen's): {@code model.vocab} gives normal tokens by id, {@code model.merges} the merges in
 * rank order (either "a b" strings or [a, b] pairs), {@code added_tokens} the added tokens by id
 * with their {@code special} flag (type 3 if special, else 4). Ids without a token become
 * {@code [PAD{i}]} (type 5). A {@code .gz} file is decompressed.
 *
 * <p>Parsing uses the engine's own {@code org.vlm4j.util.Json}.
 */
public final class TokenizerJsonVocab {
    private TokenizerJsonVocab() {}

    /** Reads {@code file} into a vocabulary of exactly {@code rows} entries. */
    public static SynthVocab read(Path file, int rows) throws IOException {
        String text;
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not a tokenizer.json file");
        }
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new IOException(file + ": not a complete gzip file" + (e.getMessage() != null ? " (" + e.getMessage() + ")" : ""), e);
        }
        return fromJson(text, file.toString(), rows);
    }

    static SynthVocab fromJson(String text, String source, int rows) {
        Map<?, ?> root = asMap(org.vlm4j.util.Json.parse(text, source), source, "top level");
        Map<?, ?> model = asMap(root.get("model"), source, "model");
        Object type = model.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw new IllegalArgumentException(source + ": model.type is " + type + ", only BPE tokenizers are supported");
        }
        String[] tokens = new String[rows];
        int[] types = new int[rows];
        Map<?, ?> vocab = asMap(model.get("vocab"), source, "model.vocab");
        for (Map.Entry<?, ?> e : vocab.entrySet()) {
            int id = id(e.getValue(), rows, source, "model.vocab[" + e.getKey() + "]");
            tokens[id] = (String) e.getKey();
            types[id] = SynthVocab.NORMAL;
        }
        Object addedRaw = root.get("added_tokens");
        if (addedRaw != null) {
            for (Object o : asList(addedRaw, source, "added_tokens")) {
                Map<?, ?> t = asMap(o, source, "added_tokens[]");
                int id = id(t.get("id"), rows, source, "added_tokens[].id");
                if (!(t.get("content") instanceof String content)) {
                    throw new IllegalArgumentException(source + ": added token " + id + " has no content");
                }
                tokens[id] = content;
                types[id] = Boolean.TRUE.equals(t.get("special")) ? SynthVocab.CONTROL : SynthVocab.USER_DEFINED;
            }
        }
        for (int i = 0; i < rows; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = SynthVocab.UNUSED;
            }
        }
        List<String> merges = new ArrayList<>();
        Object mergesRaw = model.get("merges");
        if (mergesRaw != null) {
            for (Object o : asList(mergesRaw, source, "model.merges")) {
                if (o instanceof String s) {
                    merges.add(s);
                } else if (o instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a && pair.get(1) instanceof String b) {
                    merges.add(a + " " + b);
                } else {
                    throw new IllegalArgumentException(source + ": model.merges[" + merges.size() + "] is neither \"a b\" nor [a, b]");
                }
            }
        }
        return new SynthVocab(tokens, types, merges.toArray(String[]::new), "tokenizer.json " + Path.of(source).getFileName());
    }

    private static int id(Object v, int rows, String source, String where) {
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException(source + ": " + where + " is not an integer id");
        }
        if (l < 0 || l >= rows) {
            throw new IllegalArgumentException(source + ": " + where + " = " + l + " does not fit the model's " + rows + " vocabulary rows");
        }
        return (int) (long) l;
    }

    private static Map<?, ?> asMap(Object o, String source, String where) {
        if (o instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException(source + ": " + where + " is not a JSON object");
    }

    private static List<?> asList(Object o, String source, String where) {
        if (o instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException(source + ": " + where + " is not a JSON array");
    }
}
