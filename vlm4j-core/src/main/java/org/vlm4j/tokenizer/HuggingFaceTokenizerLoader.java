package org.vlm4j.tokenizer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.vlm4j.util.Json;

/**
 * Reads a Hugging Face {@code tokenizer.json} (plus optional {@code tokenizer_config.json} and
 * {@code added_tokens.json}) into a {@link Tokenizer}.
 *
 * <p>The loader is strict: it accepts exactly the pipeline {@link Tokenizer} implements (NFC or no
 * normalizer, Qwen2 split regex + ByteLevel pre-tokenizer, BPE model, ByteLevel decoder) and rejects
 * anything else with a message naming the file and the field, rather than silently tokenizing
 * differently from the reference.
 */
final class HuggingFaceTokenizerLoader {
    /** Upper bound on a (decompressed) tokenizer file, to fail cleanly instead of running out of memory. */
    static final int MAX_FILE_BYTES = 256 << 20;
    /** Upper bound on token ids, for the same reason. */
    static final int MAX_VOCAB = 1 << 24;

    private HuggingFaceTokenizerLoader() {}

    static Tokenizer load(Path path) throws IOException {
        Path file;
        if (Files.isDirectory(path)) {
            file = path.resolve("tokenizer.json");
            if (!Files.exists(file)) {
                file = path.resolve("tokenizer.json.gz");
            }
            if (!Files.exists(file)) {
                throw new NoSuchFileException(path.toString(), null,
                        "directory has neither tokenizer.json nor tokenizer.json.gz");
            }
        } else {
            file = path;
        }
        Path dir = file.toAbsolutePath().getParent();
        String config = readOptional(dir.resolve("tokenizer_config.json"));
        String addedTokens = readOptional(dir.resolve("added_tokens.json"));
        return fromJson(readText(file), file.getFileName().toString(), config, addedTokens);
    }

    private static String readOptional(Path p) throws IOException {
        return Files.isRegularFile(p) ? readText(p) : null;
    }

    /** Reads a UTF-8 text file, transparently gunzipping it when it starts with the gzip magic. */
    static String readText(Path p) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(p))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
            byte[] chunk = new byte[1 << 16];
            long total = 0;
            int r;
            try {
                InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
                while ((r = in.read(chunk)) > 0) {
                    total += r;
                    if (total > MAX_FILE_BYTES) {
                        throw new IOException(p + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB, refusing to load");
                    }
                    out.write(chunk, 0, r);
                }
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                throw new IOException(p + ": not a complete gzip file" + (e.getMessage() != null ? " (" + e.getMessage() + ")" : ""), e);
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * Builds a tokenizer from file contents.
     *
     * @param tokenizerJson content of {@code tokenizer.json}
     * @param name file name used in messages
     * @param configJson content of {@code tokenizer_config.json}, or null
     * @param addedTokensJson content of {@code added_tokens.json}, or null
     */
    static Tokenizer fromJson(String tokenizerJson, String name, String configJson, String addedTokensJson) {
        Map<String, Object> root = object(Json.parse(tokenizerJson, name), name, "top level");
        boolean nfc = checkNormalizer(root.get("normalizer"), name);
        checkPreTokenizer(root.get("pre_tokenizer"), name);
        checkDecoder(root.get("decoder"), name);

        Map<String, Object> model = object(root.get("model"), name, "model");
        Object type = model.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw unsupported(name, "model.type", type, "only BPE is supported");
        }
        Object dropout = model.get("dropout");
        if (dropout != null && ((Number) number(dropout, name, "model.dropout")).doubleValue() != 0.0) {
            throw unsupported(name, "model.dropout", dropout, "BPE dropout is not supported");
        }
        for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            Object v = model.get(affix);
            if (v != null && !"".equals(v)) {
                throw unsupported(name, "model." + affix, v, "must be empty for byte-level BPE");
            }
        }
        boolean ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));

        // vocabulary
        Map<String, Object> vocab = object(model.get("vocab"), name, "model.vocab");
        Map<String, Integer> bpeVocab = new HashMap<>(vocab.size() * 2);
        int maxId = -1;
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            int id = tokenIdValue(e.getValue(), name, "model.vocab[\"" + e.getKey() + "\"]");
            bpeVocab.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }

        // added tokens from all sources, by id
        Map<Integer, AddedToken> added = new LinkedHashMap<>();
        Object addedList = root.get("added_tokens");
        if (addedList != null) {
            List<Object> list = list(addedList, name, "added_tokens");
            for (int i = 0; i < list.size(); i++) {
                String field = "added_tokens[" + i + "]";
                Map<String, Object> t = object(list.get(i), name, field);
                int id = tokenIdValue(t.get("id"), name, field + ".id");
                addAddedToken(added, parseAddedToken(t, id, name, field), name);
            }
        }
        Set<String> configSpecials = new HashSet<>();
        if (configJson != null) {
            String cname = "tokenizer_config.json";
            Map<String, Object> cfg = object(Json.parse(configJson, cname), cname, "top level");
            Object decoderMap = cfg.get("added_tokens_decoder");
            if (decoderMap != null) {
                for (Map.Entry<String, Object> e : object(decoderMap, cname, "added_tokens_decoder").entrySet()) {
                    String field = "added_tokens_decoder[\"" + e.getKey() + "\"]";
                    int id;
                    try {
                        id = Integer.parseInt(e.getKey());
                    } catch (NumberFormatException ex) {
                        throw new IllegalArgumentException(cname + ": " + field + ": key is not a token id");
                    }
                    checkIdRange(id, cname, field);
                    Map<String, Object> t = object(e.getValue(), cname, field);
                    addAddedToken(added, parseAddedToken(t, id, cname, field), cname);
                }
            }
            collectSpecialNames(cfg, configSpecials);
        }
        if (addedTokensJson != null) {
            String aname = "added_tokens.json";
            for (Map.Entry<String, Object> e : object(Json.parse(addedTokensJson, aname), aname, "top level").entrySet()) {
                int id = tokenIdValue(e.getValue(), aname, "\"" + e.getKey() + "\"");
                AddedToken existing = added.get(id);
                boolean special = existing != null ? existing.special : configSpecials.contains(e.getKey());
                addAddedToken(added, new AddedToken(id, e.getKey(), special), aname);
            }
        }
        for (AddedToken t : added.values()) {
            maxId = Math.max(maxId, t.id);
        }

        // id table
        String[] idToText = new String[maxId + 1];
        byte[] kinds = new byte[maxId + 1];
        for (Map.Entry<String, Integer> e : bpeVocab.entrySet()) {
            int id = e.getValue();
            if (idToText[id] != null) {
                throw new IllegalArgumentException(name + ": model.vocab maps both '" + idToText[id] + "' and '"
                        + e.getKey() + "' to id " + id);
            }
            idToText[id] = e.getKey();
        }
        for (AddedToken t : added.values()) {
            idToText[t.id] = t.content; // an added token replaces a vocabulary entry with the same id
            kinds[t.id] = t.special ? Tokenizer.SPECIAL : Tokenizer.ADDED;
        }

        // merges
        List<Object> mergeList = list(model.get("merges"), name, "model.merges");
        String[][] merges = new String[mergeList.size()][];
        for (int i = 0; i < merges.length; i++) {
            merges[i] = parseMerge(mergeList.get(i), name, i);
        }
        return Tokenizer.build(idToText, kinds, bpeVocab, merges, nfc, ignoreMerges, name);
    }

    private record AddedToken(int id, String content, boolean special) {}

    private static AddedToken parseAddedToken(Map<String, Object> t, int id, String file, String field) {
        Object content = t.get("content");
        if (!(content instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + field + ".content must be a non-empty string");
        }
        for (String flag : new String[] {"lstrip", "rstrip", "single_word"}) {
            if (Boolean.TRUE.equals(t.get(flag))) {
                throw unsupported(file, field + "." + flag, true, "added token '" + s
                        + "': lstrip/rstrip/single_word matching is not supported");
            }
        }
        return new AddedToken(id, s, Boolean.TRUE.equals(t.get("special")));
    }

    private static void addAddedToken(Map<Integer, AddedToken> added, AddedToken t, String file) {
        AddedToken same = added.get(t.id);
        if (same != null) {
            if (!same.content.equals(t.content)) {
                throw new IllegalArgumentException(file + ": added token id " + t.id + " is '" + t.content
                        + "' but another source says '" + same.content + "'");
            }
            if (t.special && !same.special) {
                added.put(t.id, t);
            }
            return;
        }
        for (AddedToken other : added.values()) {
            if (other.content.equals(t.content)) {
                throw new IllegalArgumentException(file + ": added token '" + t.content + "' has id " + t.id
                        + " but another source gives it id " + other.id);
            }
        }
        added.put(t.id, t);
    }

    /** Names that tokenizer_config.json declares special (used for added_tokens.json entries). */
    private static void collectSpecialNames(Map<String, Object> cfg, Set<String> out) {
        for (String key : new String[] {"bos_token", "eos_token", "pad_token", "unk_token"}) {
            addSpecialName(cfg.get(key), out);
        }
        if (cfg.get("additional_special_tokens") instanceof List<?> l) {
            for (Object o : l) {
                addSpecialName(o, out);
            }
        }
    }

    private static void addSpecialName(Object v, Set<String> out) {
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) {
            out.add(s);
        }
    }

    private static String[] parseMerge(Object m, String file, int i) {
        if (m instanceof String s) {
            int sp = s.indexOf(' ');
            if (sp <= 0 || sp == s.length() - 1 || s.indexOf(' ', sp + 1) >= 0) {
                throw new IllegalArgumentException(file + ": model.merges[" + i + "] = '" + s
                        + "' is not two tokens separated by one space");
            }
            return new String[] {s.substring(0, sp), s.substring(sp + 1)};
        }
        if (m instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b) {
            return new String[] {a, b};
        }
        throw new IllegalArgumentException(file + ": model.merges[" + i + "] must be \"a b\" or [\"a\", \"b\"]");
    }

    private static boolean checkNormalizer(Object n, String file) {
        if (n == null) {
            return false;
        }
        Map<String, Object> m = object(n, file, "normalizer");
        Object type = m.get("type");
        if ("NFC".equals(type)) {
            return true;
        }
        if ("Sequence".equals(type)) {
            boolean nfc = false;
            List<Object> parts = list(m.get("normalizers"), file, "normalizer.normalizers");
            for (Object p : parts) {
                nfc |= checkNormalizer(p, file);
            }
            return nfc;
        }
        throw unsupported(file, "normalizer.type", type, "only NFC is supported");
    }

    private static void checkPreTokenizer(Object p, String file) {
        String hint = "expected Sequence[Split(Qwen2 regex, Isolated), ByteLevel(use_regex=false)]";
        Map<String, Object> m = object(p, file, "pre_tokenizer");
        if (!"Sequence".equals(m.get("type"))) {
            throw unsupported(file, "pre_tokenizer.type", m.get("type"), hint);
        }
        List<Object> parts = list(m.get("pretokenizers"), file, "pre_tokenizer.pretokenizers");
        if (parts.size() != 2) {
            throw unsupported(file, "pre_tokenizer.pretokenizers", parts.size() + " entries", hint);
        }
        Map<String, Object> split = object(parts.get(0), file, "pre_tokenizer.pretokenizers[0]");
        if (!"Split".equals(split.get("type"))) {
            throw unsupported(file, "pre_tokenizer.pretokenizers[0].type", split.get("type"), hint);
        }
        Object pattern = object(split.get("pattern"), file, "pre_tokenizer.pretokenizers[0].pattern").get("Regex");
        if (!Qwen2PreTokenizer.REGEX.equals(pattern)) {
            throw unsupported(file, "pre_tokenizer.pretokenizers[0].pattern.Regex", pattern,
                    "only the Qwen2 pre-tokenizer regex is implemented");
        }
        if (!"Isolated".equals(split.get("behavior")) || Boolean.TRUE.equals(split.get("invert"))) {
            throw unsupported(file, "pre_tokenizer.pretokenizers[0].behavior", split.get("behavior"),
                    "expected Isolated and invert=false");
        }
        Map<String, Object> bl = object(parts.get(1), file, "pre_tokenizer.pretokenizers[1]");
        if (!"ByteLevel".equals(bl.get("type"))) {
            throw unsupported(file, "pre_tokenizer.pretokenizers[1].type", bl.get("type"), hint);
        }
        if (Boolean.TRUE.equals(bl.get("add_prefix_space")) || !Boolean.FALSE.equals(bl.get("use_regex"))) {
            throw unsupported(file, "pre_tokenizer.pretokenizers[1]", bl, "expected add_prefix_space=false, use_regex=false");
        }
    }

    private static void checkDecoder(Object d, String file) {
        if (d == null) {
            return;
        }
        Object type = object(d, file, "decoder").get("type");
        if (!"ByteLevel".equals(type)) {
            throw unsupported(file, "decoder.type", type, "only ByteLevel is supported");
        }
    }

    // ---------------------------------------------------------------- typed access

    private static IllegalArgumentException unsupported(String file, String field, Object value, String why) {
        return new IllegalArgumentException(file + ": unsupported " + field + " = " + value + " (" + why + ")");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String file, String field) {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(file + ": " + field + " must be a JSON object but is "
                + (v == null ? "missing/null" : v.getClass().getSimpleName()));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v, String file, String field) {
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException(file + ": " + field + " must be a JSON array but is "
                + (v == null ? "missing/null" : v.getClass().getSimpleName()));
    }

    private static Number number(Object v, String file, String field) {
        if (v instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException(file + ": " + field + " must be a number");
    }

    private static int tokenIdValue(Object v, String file, String field) {
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException(file + ": " + field + " must be an integer token id but is "
                    + (v == null ? "missing/null" : v));
        }
        checkIdRange(l, file, field);
        return (int) (long) l;
    }

    private static void checkIdRange(long id, String file, String field) {
        if (id < 0 || id >= MAX_VOCAB) {
            throw new IllegalArgumentException(file + ": " + field + " = " + id + " is not a token id in [0, "
                    + MAX_VOCAB + ")");
        }
    }
}
