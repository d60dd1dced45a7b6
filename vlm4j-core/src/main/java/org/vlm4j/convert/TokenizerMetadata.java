package org.vlm4j.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufValue;

/**
 * The {@code tokenizer.*} keys of a text GGUF, built from a Hugging Face model directory the way
 * llama.cpp's converter does for Qwen2/Qwen3 byte-level BPE:
 *
 * <ul>
 *   <li>tokens: {@code tokenizer.json} vocabulary plus added tokens, by id, padded to the
 *       embedding rows with {@code [PAD{i}]};</li>
 *   <li>types: 1 normal; 3 control for special added tokens and {@code <|...|>}; 4 user-defined
 *       for other added tokens ({@code <think>}); 5 unused for padding;</li>
 *   <li>merges in rank order ({@code tokenizer.json} or {@code merges.txt});</li>
 *   <li>eos / padding / bos ids from {@code tokenizer_config.json} tokens, falling back to the
 *       top-level ids of {@code config.json}; {@code add_bos_token} from the tokenizer config
 *       (false when absent: Qwen never prepends BOS);</li>
 *   <li>the chat template from {@code chat_template.jinja} or {@code tokenizer_config.json}.</li>
 * </ul>
 */
public final class TokenizerMetadata {
    static final int NORMAL = 1;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;

    private TokenizerMetadata() {}

    /** The keys in write order, for a model with {@code rows} embedding rows. */
    @SuppressWarnings("unchecked")
    public static Map<String, GgufValue> read(Path dir, int rows, InternVlConfig cfg) throws IOException {
        Path tj = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tj)) {
            throw new ConvertException(dir + ": no tokenizer.json (vlm4j needs the fast-tokenizer file)");
        }
        HfJson tok = HfJson.read(tj);
        HfJson model = tok.object("model");
        if (!model.string("type", "BPE").equals("BPE")) {
            throw new ConvertException(tj + ": model.type is '" + model.string("type", "") + "', expected BPE");
        }
        String[] tokens = new String[rows];
        int[] types = new int[rows];
        Map<String, Integer> ids = new HashMap<>();
        for (Map.Entry<String, Object> e : model.object("vocab").raw().entrySet()) {
            if (!(e.getValue() instanceof Long id)) {
                throw new ConvertException(tj + ": model.vocab['" + e.getKey() + "'] is not an integer");
            }
            set(tokens, types, id, e.getKey(), NORMAL, tj, rows);
            ids.put(e.getKey(), (int) (long) id);
        }
        if (tok.get("added_tokens") instanceof List<?> added) {
            for (Object o : added) {
                if (!(o instanceof Map<?, ?> m) || !(m.get("id") instanceof Long id) || !(m.get("content") instanceof String content)) {
                    throw new ConvertException(tj + ": an added_tokens entry lacks 'id' or 'content'");
                }
                boolean special = Boolean.TRUE.equals(m.get("special"));
                boolean looksSpecial = content.startsWith("<|") && content.endsWith("|>");
                set(tokens, types, id, content, special || looksSpecial ? CONTROL : USER_DEFINED, tj, rows);
                ids.put(content, (int) (long) id);
            }
        }
        for (int i = 0; i < rows; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
            }
        }
        List<String> merges = merges(model, dir, tj);

        HfJson tc = HfJson.readOptional(dir.resolve("tokenizer_config.json"));
        Map<String, GgufValue> out = new LinkedHashMap<>();
        out.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"));
        out.put("tokenizer.ggml.pre", GgufValue.ofString("qwen2"));
        out.put("tokenizer.ggml.tokens", GgufValue.ofArray(GgufArray.ofStrings(tokens)));
        out.put("tokenizer.ggml.token_type", GgufValue.ofArray(GgufArray.ofInts(types)));
        out.put("tokenizer.ggml.merges", GgufValue.ofArray(GgufArray.ofStrings(merges.toArray(String[]::new))));
        putId(out, "tokenizer.ggml.bos_token_id", special(tc, "bos_token", ids), cfg.bosId(), rows);
        putId(out, "tokenizer.ggml.eos_token_id", special(tc, "eos_token", ids), cfg.eosId(), rows);
        putId(out, "tokenizer.ggml.padding_token_id", special(tc, "pad_token", ids), cfg.padId(), rows);
        out.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(tc.bool("add_bos_token", false)));
        String template = chatTemplate(dir, tc);
        if (template != null) {
            out.put("tokenizer.chat_template", GgufValue.ofString(template));
        }
        return out;
    }

    private static void set(String[] tokens, int[] types, long id, String text, int type, Path file, int rows) {
        if (id < 0 || id >= rows) {
            throw new ConvertException(file + ": token '" + text + "' has id " + id + ", outside the " + rows
                    + " embedding rows of the model");
        }
        tokens[(int) id] = text;
        types[(int) id] = type;
    }

    private static List<String> merges(HfJson model, Path dir, Path tj) throws IOException {
        List<String> out = new ArrayList<>();
        if (model.get("merges") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof String s) {
                    out.add(s);
                } else if (o instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a && pair.get(1) instanceof String b) {
                    out.add(a + " " + b);
                } else {
                    throw new ConvertException(tj + ": model.merges holds " + o + ", expected \"a b\" or [\"a\", \"b\"]");
                }
            }
            return out;
        }
        Path mt = dir.resolve("merges.txt");
        if (!Files.isRegularFile(mt)) {
            throw new ConvertException(tj + ": no model.merges and no merges.txt");
        }
        for (String line : Files.readAllLines(mt)) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                out.add(line);
            }
        }
        return out;
    }

    private static Integer special(HfJson tc, String key, Map<String, Integer> ids) {
        Object o = tc.get(key);
        if (o instanceof Map<?, ?> m) {
            o = m.get("content");
        }
        if (!(o instanceof String s)) {
            return null;
        }
        Integer id = ids.get(s);
        if (id == null) {
            throw new ConvertException(tc.where() + ": " + key + " '" + s + "' is not in the vocabulary");
        }
        return id;
    }

    private static void putId(Map<String, GgufValue> out, String key, Integer fromTokenizer, Integer fromConfig, int rows) {
        Integer id = fromTokenizer != null ? fromTokenizer : fromConfig;
        if (id != null && id >= 0 && id < rows) {
            out.put(key, GgufValue.ofU32(id));
        }
    }

    private static String chatTemplate(Path dir, HfJson tc) throws IOException {
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return Files.readString(jinja);
        }
        Object o = tc.get("chat_template");
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof List<?> l) { // [{"name": "default", "template": "..."}, ...]
            for (Object e : l) {
                if (e instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) {
                    return s;
                }
            }
        }
        return null;
    }
}
