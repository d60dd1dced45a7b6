package org.vlm4j.model.qwen3;

import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFormatException;
import org.vlm4j.gguf.GgufMetadata;

/**
 * Hyper-parameters of a Qwen3 (or Qwen2/Qwen2.5) decoder, read from GGUF metadata. Nothing is
 * hard-coded: InternVL3.5-1B (Qwen3-0.6B shape), InternVL3-1B (Qwen2.5-0.5B) and the tiny test
 * model all load through the same keys ({@code {arch}.block_count}, {@code {arch}.embedding_length},
 * ...).
 *
 * @param architecture {@code general.architecture}: {@code qwen3} or {@code qwen2}
 * @param layers {@code block_count}
 * @param hidden {@code embedding_length}
 * @param ffn {@code feed_forward_length} (SwiGLU intermediate width)
 * @param heads {@code attention.head_count} (query heads)
 * @param kvHeads {@code attention.head_count_kv}
 * @param headDim {@code attention.key_length}, else {@code hidden / heads}
 * @param ropeTheta {@code rope.freq_base}
 * @param rmsEps {@code attention.layer_norm_rms_epsilon}
 * @param contextLength {@code context_length}: the longest context the model was trained for
 * @param vocabSize rows of {@code token_embd.weight}
 * @param qkNorm whether each layer has per-head q/k RMSNorm (Qwen3) rather than none (Qwen2)
 */
public record Qwen3Config(String architecture, int layers, int hidden, int ffn, int heads, int kvHeads,
        int headDim, float ropeTheta, float rmsEps, int contextLength, int vocabSize, boolean qkNorm) {

    /** Architectures this loader accepts. */
    public static final String QWEN3 = "qwen3";
    public static final String QWEN2 = "qwen2";

    public Qwen3Config {
        if (layers < 1 || hidden < 1 || ffn < 1 || heads < 1 || kvHeads < 1 || headDim < 2 || vocabSize < 1 || contextLength < 1) {
            throw new IllegalArgumentException("non-positive dimension in " + describe(architecture, layers, hidden, ffn, heads, kvHeads, headDim));
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head dimension " + headDim + " is odd; RoPE needs an even head dimension");
        }
        if (!(ropeTheta > 0) || !(rmsEps >= 0)) {
            throw new IllegalArgumentException("rope.freq_base " + ropeTheta + " / rms epsilon " + rmsEps + " out of range");
        }
    }

    /** Query width {@code heads * headDim} (2048 for the 1B model, not the hidden size). */
    public int qDim() {
        return heads * headDim;
    }

    /** Key/value width {@code kvHeads * headDim}. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Query heads per key/value head (GQA group size). */
    public int groupSize() {
        return heads / kvHeads;
    }

    /**
     * Reads the configuration of the text model in {@code file}.
     *
     * @throws GgufFormatException naming the file and key when the architecture is not qwen3/qwen2 or
     *     a required key is missing or inconsistent
     */
    public static Qwen3Config fromGguf(GgufFile file) {
        String src = file.path().toString();
        GgufMetadata md = file.metadata();
        String arch = file.architecture();
        if (!QWEN3.equals(arch) && !QWEN2.equals(arch)) {
            throw new GgufFormatException(src + ": general.architecture is '" + arch
                    + "', expected a text model of architecture 'qwen3' or 'qwen2'");
        }
        String p = arch + ".";
        int layers = md.getInt(p + "block_count");
        int hidden = md.getInt(p + "embedding_length");
        int ffn = md.getInt(p + "feed_forward_length");
        int heads = md.getInt(p + "attention.head_count");
        int kvHeads = md.getInt(p + "attention.head_count_kv", heads);
        if (heads < 1 || hidden < 1) {
            throw new GgufFormatException(src + ": " + p + "attention.head_count = " + heads + ", "
                    + p + "embedding_length = " + hidden + " must be positive");
        }
        int headDim;
        if (md.contains(p + "attention.key_length")) {
            headDim = md.getInt(p + "attention.key_length");
        } else {
            if (hidden % heads != 0) {
                throw new GgufFormatException(src + ": " + p + "attention.key_length is missing and embedding_length "
                        + hidden + " is not divisible by head_count " + heads);
            }
            headDim = hidden / heads;
        }
        int valueDim = md.getInt(p + "attention.value_length", headDim);
        if (valueDim != headDim) {
            throw new GgufFormatException(src + ": " + p + "attention.value_length " + valueDim
                    + " differs from key_length " + headDim + " (not supported)");
        }
        float theta = (float) md.getDouble(p + "rope.freq_base", 10000.0);
        float eps = (float) md.getDouble(p + "attention.layer_norm_rms_epsilon", 1e-6);
        int ctx = md.getInt(p + "context_length", 4096);
        var embd = file.tensor("token_embd.weight");
        if (embd == null) {
            throw new GgufFormatException(src + ": tensor 'token_embd.weight' is missing");
        }
        long vocab = embd.dim(1);
        if (vocab > Integer.MAX_VALUE) {
            throw new GgufFormatException(src + ": tensor 'token_embd.weight' has " + vocab + " rows");
        }
        if (md.contains(p + "rope.scaling.type") && !"none".equals(md.getString(p + "rope.scaling.type", "none"))) {
            throw new GgufFormatException(src + ": " + p + "rope.scaling.type = '" + md.getString(p + "rope.scaling.type")
                    + "' is not supported (only unscaled RoPE)");
        }
        try {
            return new Qwen3Config(arch, layers, hidden, ffn, heads, kvHeads, headDim, theta, eps, ctx, (int) vocab,
                    QWEN3.equals(arch));
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(src + ": inconsistent " + arch + " hyper-parameters: " + e.getMessage(), e);
        }
    }

    private static String describe(String arch, int layers, int hidden, int ffn, int heads, int kvHeads, int headDim) {
        return arch + "{layers=" + layers + ", hidden=" + hidden + ", ffn=" + ffn + ", heads=" + heads
                + ", kvHeads=" + kvHeads + ", headDim=" + headDim + "}";
    }

    @Override
    public String toString() {
        return describe(architecture, layers, hidden, ffn, heads, kvHeads, headDim) + " theta=" + ropeTheta
                + " eps=" + rmsEps + " ctx=" + contextLength + " vocab=" + vocabSize;
    }
}
