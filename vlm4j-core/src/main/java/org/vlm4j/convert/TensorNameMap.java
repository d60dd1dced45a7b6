package org.vlm4j.convert;

import java.util.Map;

/**
 * Maps checkpoint tensor names to llama.cpp's GGUF names, for all three spellings of an InternVL
 * checkpoint: the custom format ({@code language_model.model.*}, {@code vision_model.*},
 * {@code mlp1.*}), the transformers {@code -HF} format ({@code model.language_model.*},
 * {@code model.vision_tower.*}, {@code model.multi_modal_projector.*}, {@code lm_head.weight}) and
 * the legacy llava-style prefixes ({@code vision_tower.*}, {@code multi_modal_projector.*}).
 *
 * <p>The fused ViT {@code attn.qkv} maps to the marker suffix {@link #QKV}: the planner splits it
 * into q, k and v rows.
 */
final class TensorNameMap {
    /** Marker returned for a fused qkv tensor: {@code v.blk.N.attn_qkv.weight|bias}. */
    static final String QKV = "attn_qkv";
    /** Returned for tensors that are deliberately not written (rotary caches). */
    static final String SKIP = "";

    private TensorNameMap() {}

    private static final Map<String, String> TEXT_LAYER = Map.ofEntries(
            Map.entry("input_layernorm.weight", "attn_norm.weight"),
            Map.entry("self_attn.q_proj.weight", "attn_q.weight"),
            Map.entry("self_attn.k_proj.weight", "attn_k.weight"),
            Map.entry("self_attn.v_proj.weight", "attn_v.weight"),
            Map.entry("self_attn.q_proj.bias", "attn_q.bias"),
            Map.entry("self_attn.k_proj.bias", "attn_k.bias"),
            Map.entry("self_attn.v_proj.bias", "attn_v.bias"),
            Map.entry("self_attn.o_proj.weight", "attn_output.weight"),
            Map.entry("self_attn.q_norm.weight", "attn_q_norm.weight"),
            Map.entry("self_attn.k_norm.weight", "attn_k_norm.weight"),
            Map.entry("post_attention_layernorm.weight", "ffn_norm.weight"),
            Map.entry("mlp.gate_proj.weight", "ffn_gate.weight"),
            Map.entry("mlp.up_proj.weight", "ffn_up.weight"),
            Map.entry("mlp.down_proj.weight", "ffn_down.weight"));

    private static final Map<String, String> VIT_CUSTOM_LAYER = Map.ofEntries(
            Map.entry("attn.qkv.weight", QKV + ".weight"),
            Map.entry("attn.qkv.bias", QKV + ".bias"),
            Map.entry("attn.proj.weight", "attn_out.weight"),
            Map.entry("attn.proj.bias", "attn_out.bias"),
            Map.entry("norm1.weight", "ln1.weight"),
            Map.entry("norm1.bias", "ln1.bias"),
            Map.entry("norm2.weight", "ln2.weight"),
            Map.entry("norm2.bias", "ln2.bias"),
            Map.entry("mlp.fc1.weight", "ffn_up.weight"),
            Map.entry("mlp.fc1.bias", "ffn_up.bias"),
            Map.entry("mlp.fc2.weight", "ffn_down.weight"),
            Map.entry("mlp.fc2.bias", "ffn_down.bias"),
            Map.entry("ls1", "ls1.weight"),
            Map.entry("ls2", "ls2.weight"));

    private static final Map<String, String> VIT_HF_LAYER = Map.ofEntries(
            Map.entry("attention.q_proj.weight", "attn_q.weight"),
            Map.entry("attention.q_proj.bias", "attn_q.bias"),
            Map.entry("attention.k_proj.weight", "attn_k.weight"),
            Map.entry("attention.k_proj.bias", "attn_k.bias"),
            Map.entry("attention.v_proj.weight", "attn_v.weight"),
            Map.entry("attention.v_proj.bias", "attn_v.bias"),
            Map.entry("attention.projection_layer.weight", "attn_out.weight"),
            Map.entry("attention.projection_layer.bias", "attn_out.bias"),
            Map.entry("layernorm_before.weight", "ln1.weight"),
            Map.entry("layernorm_before.bias", "ln1.bias"),
            Map.entry("layernorm_after.weight", "ln2.weight"),
            Map.entry("layernorm_after.bias", "ln2.bias"),
            Map.entry("mlp.fc1.weight", "ffn_up.weight"),
            Map.entry("mlp.fc1.bias", "ffn_up.bias"),
            Map.entry("mlp.fc2.weight", "ffn_down.weight"),
            Map.entry("mlp.fc2.bias", "ffn_down.bias"),
            Map.entry("lambda_1", "ls1.weight"),
            Map.entry("lambda_2", "ls2.weight"));

    private static final Map<String, String> VIT_EMBED = Map.ofEntries(
            Map.entry("embeddings.class_embedding", "v.class_embd"),
            Map.entry("embeddings.patch_embedding.weight", "v.patch_embd.weight"),
            Map.entry("embeddings.patch_embedding.bias", "v.patch_embd.bias"),
            Map.entry("embeddings.position_embedding", "v.position_embd.weight"),
            Map.entry("embeddings.cls_token", "v.class_embd"),
            Map.entry("embeddings.patch_embeddings.projection.weight", "v.patch_embd.weight"),
            Map.entry("embeddings.patch_embeddings.projection.bias", "v.patch_embd.bias"),
            Map.entry("embeddings.position_embeddings", "v.position_embd.weight"));

    private static final Map<String, String> PROJECTOR = Map.ofEntries(
            Map.entry("0.weight", "mm.model.mlp.0.weight"),
            Map.entry("0.bias", "mm.model.mlp.0.bias"),
            Map.entry("1.weight", "mm.model.mlp.1.weight"),
            Map.entry("1.bias", "mm.model.mlp.1.bias"),
            Map.entry("3.weight", "mm.model.mlp.3.weight"),
            Map.entry("3.bias", "mm.model.mlp.3.bias"),
            Map.entry("layer_norm.weight", "mm.model.mlp.0.weight"),
            Map.entry("layer_norm.bias", "mm.model.mlp.0.bias"),
            Map.entry("linear_1.weight", "mm.model.mlp.1.weight"),
            Map.entry("linear_1.bias", "mm.model.mlp.1.bias"),
            Map.entry("linear_2.weight", "mm.model.mlp.3.weight"),
            Map.entry("linear_2.bias", "mm.model.mlp.3.bias"));

    /** Whether the GGUF name belongs to the mmproj file. */
    static boolean isVision(String gguf) {
        return gguf.startsWith("v.") || gguf.startsWith("mm.");
    }

    /**
     * The GGUF name of checkpoint tensor {@code name}, {@link #SKIP} for tensors not written, or
     * null for a name this converter does not know.
     */
    static String gguf(String name) {
        if (name.endsWith("rotary_emb.inv_freq")) {
            return SKIP;
        }
        if (name.equals("lm_head.weight") || name.equals("language_model.lm_head.weight")) {
            return "output.weight";
        }
        String rest = strip(name, "language_model.model.", "model.language_model.");
        if (rest != null) {
            return switch (rest) {
                case "embed_tokens.weight" -> "token_embd.weight";
                case "norm.weight" -> "output_norm.weight";
                default -> layer(rest, "layers.", "blk.", TEXT_LAYER);
            };
        }
        rest = strip(name, "vision_model.");
        if (rest != null) {
            String e = VIT_EMBED.get(rest);
            return e != null ? e : layer(rest, "encoder.layers.", "v.blk.", VIT_CUSTOM_LAYER);
        }
        rest = strip(name, "model.vision_tower.", "vision_tower.");
        if (rest != null) {
            String e = VIT_EMBED.get(rest);
            return e != null ? e : layer(rest, "encoder.layer.", "v.blk.", VIT_HF_LAYER);
        }
        rest = strip(name, "mlp1.", "model.multi_modal_projector.", "multi_modal_projector.");
        if (rest != null) {
            return PROJECTOR.get(rest);
        }
        return null;
    }

    private static String strip(String name, String... prefixes) {
        for (String p : prefixes) {
            if (name.startsWith(p)) {
                return name.substring(p.length());
            }
        }
        return null;
    }

    private static String layer(String rest, String prefix, String outPrefix, Map<String, String> table) {
        if (!rest.startsWith(prefix)) {
            return null;
        }
        String s = rest.substring(prefix.length());
        int dot = s.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String idx = s.substring(0, dot);
        for (int i = 0; i < idx.length(); i++) {
            if (idx.charAt(i) < '0' || idx.charAt(i) > '9') {
                return null;
            }
        }
        String mapped = table.get(s.substring(dot + 1));
        return mapped == null ? null : outPrefix + Integer.parseInt(idx) + "." + mapped;
    }
}
