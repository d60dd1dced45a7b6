package org.vlm4j.cli.synth;

import java.util.ArrayList;
import java.util.List;
import org.vlm4j.cli.synth.TensorSpec.Init;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFileTypes;
import org.vlm4j.gguf.GgufWriter;

/**
 * The layout of a synthetic InternVL3.5 model pair: tensor tables and metadata of the text GGUF
 * (arch {@code qwen3}, spec 13.1) and of the mmproj GGUF (arch {@code clip}, projector
 * {@code internvl}, spec 13.2), in the order llama.cpp's converter writes them.
 *
 * <p>Dtype rules (spec 13.1/14.4): 1-D tensors, norms, biases, layer scales, the class embedding
 * and {@code v.position_embd.weight} are F32; every other weight of two or more dimensions has the
 * file's type (which is how {@code v.patch_embd.weight} is F16 only in F16 files).
 *
 * <p>Random values: 2-D weights ~ N(0, 1/fan_in) with fan_in = ne[0] (the input width), norm
 * weights ~ N(1, 0.02^2), biases ~ N(0, 0.02^2), layer scales ~ U(0.1, 1).
 */
public final class SynthPlan {
    /** Text types the synth can write. */
    public static final List<GgmlType> TEXT_TYPES = List.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F16, GgmlType.BF16, GgmlType.F32);
    /** Vision types the synth can write (the patch embedding is not a multiple of 32 wide). */
    public static final List<GgmlType> VISION_TYPES = List.of(GgmlType.F16, GgmlType.F32);

    /** The Jinja template of the InternVL -HF processor (spec 10.5); informational for vlm4j. */
    static final String CHAT_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'}}"
            + "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for content in message['content'] %}"
            + "{% if content['type'] == 'image' %}{{ '<image>\\n' }}{% elif content['type'] == 'video' %}{{ '<video>\\n' }}"
            + "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}{{'<|im_end|>\\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{'<|im_start|>assistant\\n' }}{% endif %}";

    static final String DESCRIPTION = "synthetic model with random weights made by 'vlm4j synth'; it has the shapes of the"
            + " real model but produces meaningless text";

    private static final Init NORM = Init.normal(1.0, 0.02);
    private static final Init BIAS = Init.normal(0.0, 0.02);
    private static final Init SCALE = Init.uniform(0.1, 1.0);

    private SynthPlan() {}

    private static Init weight(long fanIn) {
        return Init.normal(0.0, 1.0 / Math.sqrt(fanIn));
    }

    /** Tensors of the text GGUF with 2-D weights of type {@code type}. */
    public static List<TensorSpec> textTensors(SynthPreset p, GgmlType type) {
        requireType(type, TEXT_TYPES, "text");
        List<TensorSpec> t = new ArrayList<>();
        long h = p.hidden();
        long q = (long) p.heads() * p.headDim();
        long kv = (long) p.kvHeads() * p.headDim();
        t.add(new TensorSpec("token_embd.weight", type, new long[] {h, p.vocabRows()}, weight(h)));
        t.add(new TensorSpec("output_norm.weight", GgmlType.F32, new long[] {h}, NORM));
        t.add(new TensorSpec("output.weight", type, new long[] {h, p.vocabRows()}, weight(h)));
        for (int n = 0; n < p.layers(); n++) {
            String b = "blk." + n + ".";
            t.add(new TensorSpec(b + "attn_norm.weight", GgmlType.F32, new long[] {h}, NORM));
            t.add(new TensorSpec(b + "attn_q.weight", type, new long[] {h, q}, weight(h)));
            t.add(new TensorSpec(b + "attn_k.weight", type, new long[] {h, kv}, weight(h)));
            t.add(new TensorSpec(b + "attn_v.weight", type, new long[] {h, kv}, weight(h)));
            t.add(new TensorSpec(b + "attn_output.weight", type, new long[] {q, h}, weight(q)));
            t.add(new TensorSpec(b + "attn_q_norm.weight", GgmlType.F32, new long[] {p.headDim()}, NORM));
            t.add(new TensorSpec(b + "attn_k_norm.weight", GgmlType.F32, new long[] {p.headDim()}, NORM));
            t.add(new TensorSpec(b + "ffn_norm.weight", GgmlType.F32, new long[] {h}, NORM));
            t.add(new TensorSpec(b + "ffn_gate.weight", type, new long[] {h, p.ffn()}, weight(h)));
            t.add(new TensorSpec(b + "ffn_up.weight", type, new long[] {h, p.ffn()}, weight(h)));
            t.add(new TensorSpec(b + "ffn_down.weight", type, new long[] {p.ffn(), h}, weight(p.ffn())));
        }
        return t;
    }

    /** Tensors of the mmproj GGUF (vision encoder + projector) with 2-D weights of type {@code type}. */
    public static List<TensorSpec> visionTensors(SynthPreset p, GgmlType type) {
        requireType(type, VISION_TYPES, "vision");
        List<TensorSpec> t = new ArrayList<>();
        long v = p.vHidden();
        long patch = p.patchSize();
        long positions = (long) p.gridSize() * p.gridSize() + 1;
        long pin = p.projectorInput();
        t.add(new TensorSpec("v.patch_embd.weight", type, new long[] {patch, patch, 3, v}, weight(patch * patch * 3)));
        t.add(new TensorSpec("v.patch_embd.bias", GgmlType.F32, new long[] {v}, BIAS));
        t.add(new TensorSpec("v.class_embd", GgmlType.F32, new long[] {v, 1, 1}, Init.normal(0, 0.1)));
        t.add(new TensorSpec("v.position_embd.weight", GgmlType.F32, new long[] {v, positions, 1}, Init.normal(0, 0.1)));
        for (int n = 0; n < p.vLayers(); n++) {
            String b = "v.blk." + n + ".";
            for (String m : new String[] {"attn_q", "attn_k", "attn_v", "attn_out"}) {
                t.add(new TensorSpec(b + m + ".weight", type, new long[] {v, v}, weight(v)));
                t.add(new TensorSpec(b + m + ".bias", GgmlType.F32, new long[] {v}, BIAS));
            }
            t.add(new TensorSpec(b + "ln1.weight", GgmlType.F32, new long[] {v}, NORM));
            t.add(new TensorSpec(b + "ln1.bias", GgmlType.F32, new long[] {v}, BIAS));
            t.add(new TensorSpec(b + "ln2.weight", GgmlType.F32, new long[] {v}, NORM));
            t.add(new TensorSpec(b + "ln2.bias", GgmlType.F32, new long[] {v}, BIAS));
            t.add(new TensorSpec(b + "ffn_up.weight", type, new long[] {v, p.vFfn()}, weight(v)));
            t.add(new TensorSpec(b + "ffn_up.bias", GgmlType.F32, new long[] {p.vFfn()}, BIAS));
            t.add(new TensorSpec(b + "ffn_down.weight", type, new long[] {p.vFfn(), v}, weight(p.vFfn())));
            t.add(new TensorSpec(b + "ffn_down.bias", GgmlType.F32, new long[] {v}, BIAS));
            t.add(new TensorSpec(b + "ls1.weight", GgmlType.F32, new long[] {v}, SCALE));
            t.add(new TensorSpec(b + "ls2.weight", GgmlType.F32, new long[] {v}, SCALE));
        }
        t.add(new TensorSpec("mm.model.mlp.0.weight", GgmlType.F32, new long[] {pin}, NORM));
        t.add(new TensorSpec("mm.model.mlp.0.bias", GgmlType.F32, new long[] {pin}, BIAS));
        t.add(new TensorSpec("mm.model.mlp.1.weight", type, new long[] {pin, p.hidden()}, weight(pin)));
        t.add(new TensorSpec("mm.model.mlp.1.bias", GgmlType.F32, new long[] {p.hidden()}, BIAS));
        t.add(new TensorSpec("mm.model.mlp.3.weight", type, new long[] {p.hidden(), p.hidden()}, weight(p.hidden())));
        t.add(new TensorSpec("mm.model.mlp.3.bias", GgmlType.F32, new long[] {p.hidden()}, BIAS));
        return t;
    }

    /** Metadata of the text GGUF (spec 13.1), in converter order. */
    public static void putTextMetadata(GgufWriter w, SynthPreset p, GgmlType type, SynthVocab vocab, long seed) {
        String arch = "qwen3";
        w.putString("general.architecture", arch);
        w.putString("general.type", "model");
        w.putString("general.name", p.name() + "-synth");
        w.putString("general.description", DESCRIPTION);
        w.putU32(arch + ".block_count", p.layers());
        w.putU32(arch + ".context_length", p.contextLength());
        w.putU32(arch + ".embedding_length", p.hidden());
        w.putU32(arch + ".feed_forward_length", p.ffn());
        w.putU32(arch + ".attention.head_count", p.heads());
        w.putU32(arch + ".attention.head_count_kv", p.kvHeads());
        w.putF32(arch + ".rope.freq_base", 1_000_000f);
        w.putF32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
        w.putU32(arch + ".attention.key_length", p.headDim());
        w.putU32(arch + ".attention.value_length", p.headDim());
        w.putU32("general.file_type", GgufFileTypes.forType(type));
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        w.putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(vocab.tokens()));
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(vocab.tokenTypes()));
        w.putArray("tokenizer.ggml.merges", GgufArray.ofStrings(vocab.merges()));
        w.putU32("tokenizer.ggml.eos_token_id", vocab.requireId(SynthVocab.IM_END));
        w.putU32("tokenizer.ggml.padding_token_id", vocab.requireId(SynthVocab.ENDOFTEXT));
        w.putU32("tokenizer.ggml.bos_token_id", vocab.requireId(SynthVocab.ENDOFTEXT));
        w.putBool("tokenizer.ggml.add_bos_token", false);
        w.putString("tokenizer.chat_template", CHAT_TEMPLATE);
        w.putU32("general.quantization_version", 2);
        putProvenance(w, p, seed, vocab.source());
    }

    /** Metadata of the mmproj GGUF (spec 13.2), in converter order. */
    public static void putVisionMetadata(GgufWriter w, SynthPreset p, GgmlType type, long seed) {
        w.putString("general.architecture", "clip");
        w.putString("general.type", "mmproj");
        w.putString("general.name", p.name() + "-synth-mmproj");
        w.putString("general.description", DESCRIPTION);
        w.putU32("general.file_type", GgufFileTypes.forType(type));
        w.putBool("clip.has_vision_encoder", true);
        w.putU32("clip.vision.projection_dim", p.hidden());
        w.putU32("clip.vision.image_size", p.imageSize());
        w.putU32("clip.vision.patch_size", p.patchSize());
        w.putU32("clip.vision.embedding_length", p.vHidden());
        w.putU32("clip.vision.feed_forward_length", p.vFfn());
        w.putU32("clip.vision.block_count", p.vLayers());
        w.putU32("clip.vision.attention.head_count", p.vHeads());
        w.putArray("clip.vision.image_mean", GgufArray.ofFloats(0.485f, 0.456f, 0.406f));
        w.putArray("clip.vision.image_std", GgufArray.ofFloats(0.229f, 0.224f, 0.225f));
        w.putString("clip.projector_type", "internvl");
        w.putF32("clip.vision.attention.layer_norm_epsilon", 1e-6f);
        w.putBool("clip.use_gelu", true);
        w.putU32("clip.vision.projector.scale_factor", p.scaleFactor());
        w.putU32("clip.vision.preproc_min_tiles", 1);
        w.putU32("clip.vision.preproc_max_tiles", 12);
        w.putU32("general.quantization_version", 2);
        putProvenance(w, p, seed, null);
    }

    private static void putProvenance(GgufWriter w, SynthPreset p, long seed, String vocabSource) {
        w.putString("vlm4j.synth.preset", p.name());
        w.putU64("vlm4j.synth.seed", seed);
        if (vocabSource != null) {
            w.putString("vlm4j.synth.vocabulary", vocabSource);
        }
    }

    private static void requireType(GgmlType t, List<GgmlType> allowed, String what) {
        if (!allowed.contains(t)) {
            throw new IllegalArgumentException(what + " type " + t + " is not supported (use one of " + allowed + ")");
        }
    }

    /** Sum of element counts. */
    public static long elements(List<TensorSpec> tensors) {
        long n = 0;
        for (TensorSpec t : tensors) {
            n += t.elementCount();
        }
        return n;
    }
}
