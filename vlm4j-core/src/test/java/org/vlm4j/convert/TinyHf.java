package org.vlm4j.convert;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vlm4j.safetensors.SafetensorsBuilder;
import org.vlm4j.safetensors.SafetensorsFile;
import org.vlm4j.safetensors.SafetensorsFileTest;
import org.vlm4j.safetensors.SafetensorsTensor;

/** Builds model directories from the tiny HF fixture: as shipped (bf16), F32, and the -HF layout. */
public final class TinyHf {
    public static final List<String> SIDE_FILES = List.of("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json",
            "merges.txt", "added_tokens.json", "generation_config.json", "preprocessor_config.json");

    private TinyHf() {}

    public static Path fixture(String name) {
        try {
            return Path.of(TinyHf.class.getResource("/fixtures/tiny/hf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path gguf(String name) {
        try {
            return Path.of(TinyHf.class.getResource("/fixtures/tiny/gguf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies a fixture file (works from a directory or from the test jar). */
    public static void copy(String name, Path target) throws IOException {
        try (java.io.InputStream in = TinyHf.class.getResourceAsStream("/fixtures/tiny/hf/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            Files.copy(in, target);
        }
    }

    /** The custom-format model with BF16 weights, as in the fixture. */
    public static Path bf16(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : SIDE_FILES) {
            copy(f, dir.resolve(f));
        }
        copy("model.safetensors", dir.resolve("model.safetensors"));
        return dir;
    }

    /** The custom-format model with the F32 copy of the weights. */
    public static Path f32(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : SIDE_FILES) {
            copy(f, dir.resolve(f));
        }
        SafetensorsFileTest.gunzipF32(dir.resolve("model.safetensors"));
        return dir;
    }

    /**
     * The transformers -HF layout: renamed tensors, the fused qkv split in three, a config with
     * {@code text_config}, and the weights sharded in two files with an index.
     */
    public static Path hfLayout(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : SIDE_FILES) {
            if (!f.equals("config.json")) {
                copy(f, dir.resolve(f));
            }
        }
        String cfg = Files.readString(fixture("config.json"))
                .replace("\"llm_config\"", "\"text_config\"")
                .replace("\"InternVLChatModel\"", "\"InternVLForConditionalGeneration\"")
                .replace("\"max_dynamic_patch\": 12,", "").replace("\"min_dynamic_patch\": 1,", "");
        Files.writeString(dir.resolve("config.json"), cfg);
        Files.writeString(dir.resolve("preprocessor_config.json"), Files.readString(fixture("preprocessor_config.json"))
                .replace("\"size\": 448", "\"size\": 448, \"min_patches\": 1, \"max_patches\": 12"));
        SafetensorsBuilder text = new SafetensorsBuilder();
        SafetensorsBuilder vision = new SafetensorsBuilder();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        try (SafetensorsFile src = SafetensorsFile.open(fixture("model.safetensors"))) {
            for (Map.Entry<String, SafetensorsTensor> e : src.tensors().entrySet()) {
                String n = e.getKey();
                SafetensorsTensor t = e.getValue();
                long bytes = t.data().byteSize();
                if (n.startsWith("language_model.")) {
                    String m = n.equals("language_model.lm_head.weight") ? "lm_head.weight"
                            : n.replace("language_model.model.", "model.language_model.");
                    text.add(m, t, t.shape(), 0, bytes);
                    index.append('"').append(m).append("\": \"model-00001-of-00002.safetensors\",");
                    continue;
                }
                for (String[] part : hfNames(n, t)) {
                    long[] shape = n.contains("qkv.weight") ? new long[] {t.dim(0) / 3, t.dim(1)}
                            : n.contains("qkv.bias") ? new long[] {t.dim(0) / 3} : t.shape();
                    long partBytes = n.contains("qkv") ? bytes / 3 : bytes;
                    vision.add(part[0], t, shape, Long.parseLong(part[1]) * partBytes, partBytes);
                    index.append('"').append(part[0]).append("\": \"model-00002-of-00002.safetensors\",");
                }
            }
        }
        text.write(dir.resolve("model-00001-of-00002.safetensors"));
        vision.write(dir.resolve("model-00002-of-00002.safetensors"));
        index.setLength(index.length() - 1);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
        return dir;
    }

    /** -HF names (and the third of a fused tensor) for a custom-format vision/projector tensor. */
    private static String[][] hfNames(String n, SafetensorsTensor t) {
        String v = "model.vision_tower.";
        if (n.startsWith("mlp1.")) {
            String r = n.substring(5).replace("0.", "layer_norm.").replace("1.", "linear_1.").replace("3.", "linear_2.");
            return new String[][] {{"model.multi_modal_projector." + r, "0"}};
        }
        String r = n.substring("vision_model.".length())
                .replace("embeddings.class_embedding", "embeddings.cls_token")
                .replace("embeddings.patch_embedding.", "embeddings.patch_embeddings.projection.")
                .replace("embeddings.position_embedding", "embeddings.position_embeddings")
                .replace("encoder.layers.", "encoder.layer.")
                .replace(".attn.proj.", ".attention.projection_layer.")
                .replace(".norm1.", ".layernorm_before.").replace(".norm2.", ".layernorm_after.")
                .replace(".ls1", ".lambda_1").replace(".ls2", ".lambda_2");
        if (r.contains(".attn.qkv.")) {
            String suffix = r.endsWith("weight") ? "weight" : "bias";
            String base = r.substring(0, r.indexOf(".attn.qkv."));
            return new String[][] {
                {v + base + ".attention.q_proj." + suffix, "0"},
                {v + base + ".attention.k_proj." + suffix, "1"},
                {v + base + ".attention.v_proj." + suffix, "2"}};
        }
        return new String[][] {{v + r, "0"}};
    }
}
