package org.vlm4j.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufMetadata;
import org.vlm4j.gguf.GgufValueType;

/**
 * Qwen2/Qwen3-family byte-level BPE tokenizer (the InternVL3.5 text vocabulary).
 *
 * <p>Encoding follows the Hugging Face {@code tokenizers} pipeline of these models exactly:
 *
 * <ol>
 *   <li>added tokens ({@code <|im_start|>}, {@code <think>}, {@code <IMG_CONTEXT>}, ...) written in
 *       the text are cut out first, leftmost-longest, on the raw text (only in {@link #encode});
 *   <li>each remaining segment is NFC-normalized;
 *   <li>it is split into pieces by the Qwen2 pre-tokenizer regex ({@link Qwen2PreTokenizer});
 *   <li>each piece's UTF-8 bytes are merged by BPE rank into vocabulary ids.
 * </ol>
 *
 * <p>Two entry points exist on purpose. {@link #encode} matches added tokens like the reference
 * (needed for template text). {@link #encodeOrdinary} never does: use it for text that comes from a
 * user or a file, so that typing {@code <|im_end|>} or {@code <IMG_CONTEXT>} cannot inject control
 * tokens (a deliberate deviation from the reference {@code chat()} code; build prompts from segments).
 * No BOS/EOS is ever added.
 *
 * <p>Decoding maps byte-level tokens back to bytes, emits added tokens as their literal text and
 * decodes UTF-8 with U+FFFD for ill-formed parts; {@link StreamingDecoder} does the same
 * incrementally. Ids are never hard-coded anywhere: look them up with {@link #tokenId} or
 * {@link #requireTokenId}.
 *
 * <p>Create with {@link #fromHuggingFace(Path)} ({@code tokenizer.json}) or
 * {@link #fromGgufVocabulary(String[], int[], String[])} (arrays as stored in GGUF metadata).
 * Instances are immutable apart from an internal bounded cache and are safe to share between
 * threads.
 */
public final class Tokenizer {
    /** Token kinds (per id). */
    static final byte NORMAL = 0;
    /** Added token, matched as a whole by {@link #encode}, not special (e.g. {@code <think>}). */
    static final byte ADDED = 1;
    /** Special added token, matched as a whole by {@link #encode} (e.g. {@code <|im_end|>}). */
    static final byte SPECIAL = 2;
    /** Never produced by encoding (GGUF padding such as {@code [PAD151678]}). */
    static final byte UNUSED = 3;
    /** Id without a token (a hole in a Hugging Face vocabulary). */
    static final byte HOLE = 4;

    private final String[] idToText;
    private final byte[][] idToBytes;
    private final byte[] kinds;
    private final Map<String, Integer> textToId;
    private final AddedTokenMatcher addedMatcher;
    private final BytePairEncoder bpe;
    private final boolean nfc;

    private Tokenizer(String[] idToText, byte[] kinds, Map<String, Integer> textToId,
            AddedTokenMatcher addedMatcher, BytePairEncoder bpe, boolean nfc) {
        this.idToText = idToText;
        this.kinds = kinds;
        this.textToId = textToId;
        this.addedMatcher = addedMatcher;
        this.bpe = bpe;
        this.nfc = nfc;
        this.idToBytes = new byte[idToText.length][];
        for (int id = 0; id < idToText.length; id++) {
            String t = idToText[id];
            if (t != null) {
                idToBytes[id] = kinds[id] == NORMAL
                        ? ByteLevel.decode(t)
                        : t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * Loads a Hugging Face tokenizer: {@code path} is a {@code tokenizer.json} file (optionally
     * gzipped, {@code .gz}) or a directory containing {@code tokenizer.json} or
     * {@code tokenizer.json.gz}. A {@code tokenizer_config.json} and an {@code added_tokens.json} next
     * to it are read too when present (their added tokens are merged in; conflicting ids are an
     * error).
     *
     * <p>Only the Qwen2 byte-level BPE pipeline is supported (NFC or no normalizer, the Qwen2 split
     * regex with ByteLevel, a BPE model); anything else is rejected with an exception naming the
     * field. The post-processor is ignored (no special tokens are ever added).
     *
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file is malformed or describes an unsupported tokenizer
     */
    public static Tokenizer fromHuggingFace(Path path) throws IOException {
        return HuggingFaceTokenizerLoader.load(path);
    }

    /**
     * Builds the tokenizer stored in a GGUF file's {@code tokenizer.ggml.*} metadata. Only the
     * byte-level BPE of the GPT-2 family with the Qwen2 pre-tokenizer is supported.
     *
     * @throws IllegalArgumentException naming the file and key when the vocabulary is missing,
     *     of another kind, or inconsistent
     */
    public static Tokenizer fromGguf(GgufFile file) {
        return fromGgufMetadata(file.metadata(), String.valueOf(file.path().getFileName()));
    }

    /** {@link #fromGguf} on metadata alone; {@code source} names the file in messages. */
    public static Tokenizer fromGgufMetadata(GgufMetadata md, String source) {
        String where = source + ": ";
        String model = md.getString("tokenizer.ggml.model", null);
        if (model == null) {
            throw new IllegalArgumentException(where + "no tokenizer (metadata key tokenizer.ggml.model is missing)");
        }
        if (!model.equals("gpt2")) {
            throw new IllegalArgumentException(where + "tokenizer.ggml.model is '" + model
                    + "'; only 'gpt2' (byte-level BPE) is supported");
        }
        String pre = md.getString("tokenizer.ggml.pre", "qwen2");
        if (!pre.equals("qwen2")) {
            throw new IllegalArgumentException(where + "tokenizer.ggml.pre is '" + pre
                    + "'; only the 'qwen2' pre-tokenizer is supported");
        }
        GgufArray tokens = md.getArrayOrNull("tokenizer.ggml.tokens");
        GgufArray merges = md.getArrayOrNull("tokenizer.ggml.merges");
        GgufArray types = md.getArrayOrNull("tokenizer.ggml.token_type");
        if (tokens == null || tokens.elementType() != GgufValueType.STRING) {
            throw new IllegalArgumentException(where + "tokenizer.ggml.tokens is missing or not a string array");
        }
        if (merges == null || merges.elementType() != GgufValueType.STRING) {
            throw new IllegalArgumentException(where + "tokenizer.ggml.merges is missing or not a string array");
        }
        int[] typeIds = null;
        if (types != null) {
            try {
                typeIds = types.ints();
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(where + "tokenizer.ggml.token_type: " + e.getMessage());
            }
        }
        try {
            return fromGgufVocabulary(tokens.strings(), typeIds, merges.strings());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    /**
     * Builds a tokenizer from the vocabulary arrays of a GGUF file ({@code tokenizer.ggml.tokens},
     * {@code tokenizer.ggml.token_type}, {@code tokenizer.ggml.merges}), assuming the Qwen2 pipeline
     * ({@code tokenizer.ggml.model = gpt2}, {@code tokenizer.ggml.pre = qwen2}; checking those keys is
     * the caller's job). The id of a token is its index in {@code tokens}.
     *
     * <p>Token types: 1 NORMAL (and 0, 2, 6) take part in BPE; 3 CONTROL are special tokens and 4
     * USER_DEFINED are non-special added tokens, both matched as whole tokens by {@link #encode}; 5
     * UNUSED (padding) are never produced. With {@code tokenTypes == null} every token is NORMAL.
     * Normalization is NFC, as in the Hugging Face tokenizer the GGUF was converted from.
     *
     * @param tokens token strings in byte-level form (for example {@code "Ġthe"}), index = id
     * @param tokenTypes GGUF token types, same length as {@code tokens}, or null
     * @param merges merge rules in rank order, each two tokens separated by one space ({@code "Ġ t"})
     * @throws IllegalArgumentException if the arrays are inconsistent (message names the index)
     */
    public static Tokenizer fromGgufVocabulary(String[] tokens, int[] tokenTypes, String[] merges) {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(merges, "merges");
        if (tokenTypes != null && tokenTypes.length != tokens.length) {
            throw new IllegalArgumentException("GGUF vocabulary: tokenizer.ggml.token_type has "
                    + tokenTypes.length + " entries but tokenizer.ggml.tokens has " + tokens.length);
        }
        byte[] kinds = new byte[tokens.length];
        Map<String, Integer> bpeVocab = new HashMap<>(tokens.length * 2);
        Map<String, Integer> seen = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            if (t == null) {
                throw new IllegalArgumentException("GGUF vocabulary: tokenizer.ggml.tokens[" + id + "] is null");
            }
            Integer dup = seen.putIfAbsent(t, id);
            if (dup != null) {
                throw new IllegalArgumentException("GGUF vocabulary: tokenizer.ggml.tokens[" + id + "] = '"
                        + t + "' duplicates tokenizer.ggml.tokens[" + dup + "]");
            }
            int type = tokenTypes == null ? 1 : tokenTypes[id];
            kinds[id] = switch (type) {
                case 0, 1, 2, 6 -> NORMAL;
                case 3 -> SPECIAL;
                case 4 -> ADDED;
                case 5 -> UNUSED;
                default -> throw new IllegalArgumentException("GGUF vocabulary: tokenizer.ggml.token_type["
                        + id + "] = " + type + " is not a known token type (0..6)");
            };
            if (kinds[id] == NORMAL) {
                bpeVocab.put(t, id);
            }
        }
        String[][] pairs = new String[merges.length][];
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            int sp = m == null ? -1 : m.indexOf(' ');
            if (sp <= 0 || sp == m.length() - 1 || m.indexOf(' ', sp + 1) >= 0) {
                throw new IllegalArgumentException("GGUF vocabulary: tokenizer.ggml.merges[" + i + "] = '"
                        + m + "' is not two tokens separated by one space");
            }
            pairs[i] = new String[] {m.substring(0, sp), m.substring(sp + 1)};
        }
        return build(tokens.clone(), kinds, bpeVocab, pairs, true, false, "GGUF vocabulary");
    }

    /**
     * Common construction path of both loaders.
     *
     * @param idToText token text per id (null for holes), byte-level form for NORMAL tokens
     * @param kinds kind per id
     * @param bpeVocab the BPE model's vocabulary (byte-level strings to ids)
     * @param merges merge pairs in rank order
     * @param origin what to call the source in error messages
     */
    static Tokenizer build(String[] idToText, byte[] kinds, Map<String, Integer> bpeVocab, String[][] merges,
            boolean nfc, boolean ignoreMerges, String origin) {
        int[] left = new int[merges.length];
        int[] right = new int[merges.length];
        int[] result = new int[merges.length];
        for (int rank = 0; rank < merges.length; rank++) {
            String a = merges[rank][0];
            String b = merges[rank][1];
            left[rank] = mergePart(bpeVocab, a, rank, merges[rank], origin);
            right[rank] = mergePart(bpeVocab, b, rank, merges[rank], origin);
            result[rank] = mergePart(bpeVocab, a + b, rank, merges[rank], origin);
        }
        int[] byteToId = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = bpeVocab.get(String.valueOf(ByteLevel.charOf(b)));
            byteToId[b] = id == null ? -1 : id;
        }
        Map<String, Integer> textToId = new HashMap<>(idToText.length * 2);
        Map<String, Integer> added = new HashMap<>();
        for (int id = 0; id < idToText.length; id++) {
            if (idToText[id] == null) {
                kinds[id] = HOLE;
            } else if (kinds[id] == NORMAL || kinds[id] == UNUSED) {
                textToId.putIfAbsent(idToText[id], id);
            }
        }
        for (int id = 0; id < idToText.length; id++) {
            if (kinds[id] == ADDED || kinds[id] == SPECIAL) {
                textToId.put(idToText[id], id); // added tokens win a lookup by text
                added.put(idToText[id], id);
            }
        }
        MergeTable table = new MergeTable(left, right, result);
        BytePairEncoder bpe = new BytePairEncoder(byteToId, table, ignoreMerges ? Map.copyOf(bpeVocab) : null);
        return new Tokenizer(idToText, kinds, textToId, new AddedTokenMatcher(added), bpe, nfc);
    }

    private static int mergePart(Map<String, Integer> vocab, String token, int rank, String[] merge, String origin) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException(origin + ": merge #" + rank + " '" + merge[0] + " " + merge[1]
                    + "' needs token '" + token + "', which is not in the BPE vocabulary");
        }
        return id;
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Encodes text like the reference {@code tokenizer(text, add_special_tokens=False)}: added tokens
     * written in the text (special or not) become their ids. Use only for trusted template text.
     */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes text without recognizing added tokens: {@code "<|im_end|>"} becomes ordinary BPE tokens
     * ({@code <}, {@code |}, {@code im}, ...). Use for user-supplied text (prevents token injection).
     */
    public int[] encodeOrdinary(String text) {
        return encode(text, false);
    }

    private int[] encode(String text, boolean parseAdded) {
        Objects.requireNonNull(text, "text");
        String s = Utf8.replaceLoneSurrogates(text);
        IntList out = new IntList(s.length() / 3 + 4);
        IntList ends = new IntList(32);
        if (!parseAdded || addedMatcher.isEmpty()) {
            encodeSegment(s, out, ends);
            return out.toArray();
        }
        int[] found = new int[2];
        int pos = 0;
        while (true) {
            int start = addedMatcher.find(s, pos, found);
            if (start < 0) {
                break;
            }
            if (start > pos) {
                encodeSegment(s.substring(pos, start), out, ends);
            }
            out.add(found[1]);
            pos = found[0];
        }
        if (pos < s.length()) {
            encodeSegment(pos == 0 ? s : s.substring(pos), out, ends);
        }
        return out.toArray();
    }

    private void encodeSegment(String segment, IntList out, IntList ends) {
        String s = nfc ? nfc(segment) : segment;
        ends.clear();
        Qwen2PreTokenizer.split(s, ends);
        int start = 0;
        for (int k = 0; k < ends.size(); k++) {
            int end = ends.get(k);
            bpe.encode(s.substring(start, end), out);
            start = end;
        }
    }

    /** NFC with a fast path: text without characters >= U+0300 is always in NFC. */
    static String nfc(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x300) {
                return Normalizer.isNormalized(s, Normalizer.Form.NFC)
                        ? s
                        : Normalizer.normalize(s, Normalizer.Form.NFC);
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes ids to text, added tokens rendered literally (like {@code skip_special_tokens=False}). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Decodes ids to text. Ill-formed UTF-8 (for example a character cut in half) becomes U+FFFD.
     *
     * @param skipSpecialTokens drop tokens for which {@link #isSpecial} is true
     * @throws IllegalArgumentException if an id is not a token id
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        Objects.requireNonNull(ids, "ids");
        int total = 0;
        for (int id : ids) {
            total += tokenBytesUnchecked(id).length;
        }
        byte[] buf = new byte[total];
        int o = 0;
        for (int id : ids) {
            if (skipSpecialTokens && kinds[id] == SPECIAL) {
                continue;
            }
            byte[] b = idToBytes[id];
            System.arraycopy(b, 0, buf, o, b.length);
            o += b.length;
        }
        return Utf8.decodeLossy(buf, 0, o);
    }

    /** A new incremental decoder rendering added tokens literally. */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this, false);
    }

    /** A new incremental decoder; with {@code skipSpecialTokens} special tokens produce no text. */
    public StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    // ---------------------------------------------------------------- vocabulary

    /** Number of token ids (highest id + 1), including added and unused tokens. */
    public int vocabSize() {
        return idToText.length;
    }

    /**
     * The id of the token whose vocabulary text is exactly {@code text} ({@code "<|im_end|>"},
     * {@code "Ġthe"}), or -1 if there is none. Added tokens take precedence over BPE tokens.
     */
    public int tokenId(String text) {
        Integer id = textToId.get(text);
        return id == null ? -1 : id;
    }

    /**
     * Like {@link #tokenId} but fails loudly.
     *
     * @throws IllegalStateException naming the token if the vocabulary lacks it
     */
    public int requireTokenId(String text) {
        int id = tokenId(text);
        if (id < 0) {
            throw new IllegalStateException("the tokenizer vocabulary has no token '" + text + "'");
        }
        return id;
    }

    /**
     * The vocabulary text of a token: byte-level form for BPE tokens ({@code "Ġthe"}), literal text
     * for added tokens; null for an id that has no token (a hole in the vocabulary).
     *
     * @throws IllegalArgumentException if {@code id} is outside {@code [0, vocabSize())}
     */
    public String tokenText(int id) {
        checkRange(id);
        return idToText[id];
    }

    /**
     * The bytes a token stands for (a copy).
     *
     * @throws IllegalArgumentException if {@code id} is not a token id
     */
    public byte[] tokenBytes(int id) {
        return tokenBytesUnchecked(id).clone();
    }

    /** Internal array of a token's bytes; validates the id. */
    byte[] tokenBytesUnchecked(int id) {
        checkRange(id);
        byte[] b = idToBytes[id];
        if (b == null) {
            throw new IllegalArgumentException("token id " + id + " has no token in the vocabulary");
        }
        return b;
    }

    /**
     * Whether the token is a special token (Hugging Face {@code special: true}, GGUF type CONTROL),
     * e.g. {@code <|im_end|>}; {@code <think>} is added but not special.
     *
     * @throws IllegalArgumentException if {@code id} is outside {@code [0, vocabSize())}
     */
    public boolean isSpecial(int id) {
        checkRange(id);
        return kinds[id] == SPECIAL;
    }

    /**
     * Whether the token is an added token that {@link #encode} matches as a whole (special tokens and
     * user-defined tokens such as {@code <think>}).
     *
     * @throws IllegalArgumentException if {@code id} is outside {@code [0, vocabSize())}
     */
    public boolean isAddedToken(int id) {
        checkRange(id);
        return kinds[id] == SPECIAL || kinds[id] == ADDED;
    }

    private void checkRange(int id) {
        if (id < 0 || id >= idToText.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                    + idToText.length + ")");
        }
    }

    /** The BPE stage, for tests. */
    BytePairEncoder bytePairEncoder() {
        return bpe;
    }
}
