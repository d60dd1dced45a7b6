package org.vlm4j.convert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.safetensors.SafetensorsTensor;

/**
 * The two tensor tables (text GGUF, mmproj GGUF) of a conversion, in the canonical order used by
 * the reference files, with the output type of every tensor chosen by llama.cpp's rules:
 *
 * <ul>
 *   <li>text: 1-D tensors and {@code *_norm.weight} F32; other weights the requested type; a
 *       quantized type whose block does not divide the row falls back to F16; with Q4_0 the output
 *       head stays Q8_0 (llama-quantize would use Q6_K, which vlm4j does not encode);</li>
 *   <li>mmproj: 1-D tensors, {@code v.class_embd} and {@code v.position_embd.weight} F32;
 *       {@code v.patch_embd.weight} F16 in an F16 file, else F32; other weights the vision type.</li>
 * </ul>
 * The fused ViT qkv is split into q, k, v by rows. Every checkpoint tensor must find a place, and
 * every required GGUF tensor must be present.
 */
public record ConversionPlan(List<PlannedTensor> text, List<PlannedTensor> vision) {

    private record Src(SafetensorsTensor t, long firstRow, long rows) {}

    /** Builds the plan for {@code tensors} (checkpoint name to tensor). */
    public static ConversionPlan build(Map<String, SafetensorsTensor> tensors, InternVlConfig cfg, GgmlType textType, GgmlType visionType) {
        Map<String, Src> byGguf = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        for (Map.Entry<String, SafetensorsTensor> e : tensors.entrySet()) {
            String g = TensorNameMap.gguf(e.getKey());
            if (g == null) {
                throw new ConvertException("checkpoint tensor '" + e.getKey() + "' (" + e.getValue().file()
                        + ") is not part of the InternVL layout this converter knows");
            }
            if (g.equals(TensorNameMap.SKIP)) {
                continue;
            }
            SafetensorsTensor t = e.getValue();
            if (g.contains(TensorNameMap.QKV)) {
                long total = t.dim(0);
                if (total % 3 != 0) {
                    throw new ConvertException("tensor '" + e.getKey() + "' has " + total + " rows, not a multiple of 3 (fused q|k|v)");
                }
                long part = total / 3;
                String[] parts = {"attn_q", "attn_k", "attn_v"};
                for (int i = 0; i < 3; i++) {
                    put(byGguf, origin, g.replace(TensorNameMap.QKV, parts[i]), new Src(t, i * part, part), e.getKey());
                }
            } else {
                put(byGguf, origin, g, new Src(t, 0, t.rank() == 0 ? 1 : t.dim(0)), e.getKey());
            }
        }
        List<PlannedTensor> text = new ArrayList<>();
        List<PlannedTensor> vision = new ArrayList<>();
        take(byGguf, "token_embd.weight", true, text, cfg, textType, visionType);
        take(byGguf, "output_norm.weight", true, text, cfg, textType, visionType);
        take(byGguf, "output.weight", !cfg.tiedEmbeddings(), text, cfg, textType, visionType);
        String[] textLayer = {"attn_norm.weight", "attn_q.weight", "attn_q.bias", "attn_k.weight", "attn_k.bias",
            "attn_v.weight", "attn_v.bias", "attn_output.weight", "attn_q_norm.weight", "attn_k_norm.weight",
            "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"};
        boolean qwen3 = cfg.textArch().equals("qwen3");
        for (int b = 0; b < cfg.blockCount(); b++) {
            for (String s : textLayer) {
                boolean required = s.endsWith(".weight") && (qwen3 || !s.contains("_norm.weight") || s.equals("attn_norm.weight")
                        || s.equals("ffn_norm.weight"));
                if (!qwen3 && s.endsWith(".bias")) {
                    required = true;
                }
                take(byGguf, "blk." + b + "." + s, required, text, cfg, textType, visionType);
            }
        }
        for (String s : new String[] {"v.patch_embd.weight", "v.patch_embd.bias", "v.class_embd", "v.position_embd.weight"}) {
            take(byGguf, s, true, vision, cfg, textType, visionType);
        }
        String[] vitLayer = {"attn_q.weight", "attn_q.bias", "attn_k.weight", "attn_k.bias", "attn_v.weight", "attn_v.bias",
            "attn_out.weight", "attn_out.bias", "ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias",
            "ffn_up.weight", "ffn_up.bias", "ffn_down.weight", "ffn_down.bias", "ls1.weight", "ls2.weight"};
        for (int b = 0; b < cfg.visionBlocks(); b++) {
            for (String s : vitLayer) {
                take(byGguf, "v.blk." + b + "." + s, !s.endsWith(".bias") || !s.startsWith("attn_") || byGguf.containsKey("v.blk." + b + "." + s),
                        vision, cfg, textType, visionType);
            }
        }
        for (String s : new String[] {"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"}) {
            take(byGguf, "mm.model.mlp." + s, true, vision, cfg, textType, visionType);
        }
        if (!byGguf.isEmpty()) {
            String g = byGguf.keySet().iterator().next();
            throw new ConvertException("checkpoint tensor '" + origin.get(g) + "' (GGUF name " + g
                    + ") does not fit the config (block counts " + cfg.blockCount() + " text / " + cfg.visionBlocks() + " vision)");
        }
        checkShape(text.get(0), cfg.hidden(), cfg.vocabSize());
        return new ConversionPlan(List.copyOf(text), List.copyOf(vision));
    }

    private static void put(Map<String, Src> m, Map<String, String> origin, String g, Src s, String from) {
        if (m.containsKey(g)) {
            throw new ConvertException("checkpoint tensors '" + origin.get(g) + "' and '" + from + "' both map to " + g);
        }
        m.put(g, s);
        origin.put(g, from);
    }

    private static void take(Map<String, Src> m, String g, boolean required, List<PlannedTensor> out, InternVlConfig cfg,
            GgmlType textType, GgmlType visionType) {
        Src s = m.remove(g);
        if (s == null) {
            if (required) {
                throw new ConvertException("checkpoint has no tensor for " + g + " (truncated or unsupported checkpoint?)");
            }
            return;
        }
        long[] shape = s.t().shape();
        long[] ne = new long[Math.max(1, shape.length)];
        for (int i = 0; i < shape.length; i++) {
            ne[i] = shape[shape.length - 1 - i];
        }
        if (shape.length == 0) {
            ne[0] = 1;
        } else {
            ne[ne.length - 1] = s.rows();
        }
        long first = s.firstRow() * (s.t().rank() == 0 ? 1 : s.t().elementCount() / Math.max(1, s.t().dim(0)));
        boolean isVision = TensorNameMap.isVision(g);
        GgmlType type = isVision ? visionTypeFor(g, ne, visionType) : textTypeFor(g, ne, textType);
        out.add(new PlannedTensor(g, ne, type, s.t(), first));
    }

    static GgmlType textTypeFor(String g, long[] ne, GgmlType fileType) {
        if (ne.length == 1 || g.endsWith("_norm.weight")) {
            return GgmlType.F32;
        }
        GgmlType t = fileType;
        if (t == GgmlType.Q4_0 && g.equals("output.weight")) {
            t = GgmlType.Q8_0;
        }
        if (t.isQuantized() && ne[0] % t.blockSize() != 0) {
            t = GgmlType.F16;
        }
        return t;
    }

    static GgmlType visionTypeFor(String g, long[] ne, GgmlType fileType) {
        if (ne.length == 1 || g.equals("v.class_embd") || g.equals("v.position_embd.weight")) {
            return GgmlType.F32;
        }
        if (g.equals("v.patch_embd.weight")) {
            return fileType == GgmlType.F16 ? GgmlType.F16 : GgmlType.F32;
        }
        return fileType;
    }

    private static void checkShape(PlannedTensor embd, int hidden, int vocab) {
        long[] ne = embd.ne();
        if (ne.length != 2 || ne[0] != hidden || ne[1] != vocab) {
            throw new ConvertException("token_embd.weight (" + embd.source().name() + ") has shape " + java.util.Arrays.toString(embd.source().shape())
                    + " but config.json says vocab_size " + vocab + " x hidden_size " + hidden);
        }
    }

    /** Parameters (elements) of a table, for {@code general.size_label}. */
    public static long parameters(List<PlannedTensor> table) {
        long n = 0;
        for (PlannedTensor t : table) {
            n += t.elementCount();
        }
        return n;
    }
}
