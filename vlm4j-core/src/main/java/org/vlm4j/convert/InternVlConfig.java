package org.vlm4j.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The hyperparameters of an InternVL checkpoint that the two GGUF files record, read from
 * {@code config.json} in either spelling: the custom {@code InternVLChatModel} format
 * ({@code llm_config}, {@code vision_config}) or the transformers {@code -HF} format
 * ({@code text_config}, {@code vision_config}). Tile limits come from the config
 * ({@code min/max_dynamic_patch}) or the -HF processor config ({@code min/max_patches}); image
 * mean/std from {@code preprocessor_config.json} with the ImageNet values as fallback.
 */
public record InternVlConfig(
        String textArch, int blockCount, int contextLength, int hidden, int ffn, int heads, int kvHeads,
        Integer headDim, float ropeTheta, float rmsEps, int vocabSize, boolean tiedEmbeddings,
        Integer bosId, Integer eosId, Integer padId,
        int imageSize, int patchSize, int visionHidden, int visionFfn, int visionBlocks, int visionHeads,
        float visionEps, boolean useGelu, int scaleFactor, int minTiles, int maxTiles,
        float[] imageMean, float[] imageStd) {

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** Reads the config files of {@code dir}. */
    public static InternVlConfig read(Path dir) throws IOException {
        Path cfgFile = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile)) {
            throw new ConvertException(dir + ": no config.json (not a Hugging Face model directory?)");
        }
        HfJson cfg = HfJson.read(cfgFile);
        HfJson text = cfg.objectOrNull("llm_config");
        if (text == null) {
            text = cfg.objectOrNull("text_config");
        }
        HfJson vision = cfg.objectOrNull("vision_config");
        if (text == null || vision == null) {
            throw new ConvertException(cfgFile + ": expected an InternVL config with 'llm_config' (or 'text_config') and 'vision_config'"
                    + " (architectures " + cfg.get("architectures") + ")");
        }
        String mt = text.string("model_type", "");
        String arch = text.firstArchitecture();
        String textArch;
        if (mt.equals("qwen3") || arch.startsWith("Qwen3")) {
            textArch = "qwen3";
        } else if (mt.equals("qwen2") || arch.startsWith("Qwen2")) {
            textArch = "qwen2";
        } else {
            throw new ConvertException(cfgFile + ": language model type '" + mt + "' (" + arch
                    + ") is not supported; vlm4j converts Qwen3 (InternVL3.5) and Qwen2 (InternVL3) backbones");
        }
        if (text.has("num_experts") && text.integer("num_experts") > 0) {
            throw new ConvertException(cfgFile + ": mixture-of-experts language models are not supported");
        }
        Integer headDim = text.has("head_dim") ? (int) text.integer("head_dim") : null;
        boolean tied = text.bool("tie_word_embeddings", cfg.bool("tie_word_embeddings", false));
        double ratio = cfg.number("downsample_ratio", 0.5);
        int scale = ratio > 0 && ratio <= 1 ? (int) Math.round(1.0 / ratio) : 0;
        if (scale < 1 || Math.abs(1.0 / ratio - scale) > 1e-6) {
            throw new ConvertException(cfgFile + ": field 'downsample_ratio' must be 1/n for a whole n >= 1 (0.5 in InternVL), got "
                    + ratio);
        }
        String tp = cfg.objectOrNull("llm_config") != null ? "llm_config." : "text_config.";
        positive(cfgFile, tp + "num_hidden_layers", text.integer("num_hidden_layers"));
        positive(cfgFile, tp + "hidden_size", text.integer("hidden_size"));
        positive(cfgFile, tp + "intermediate_size", text.integer("intermediate_size"));
        long heads = positive(cfgFile, tp + "num_attention_heads", text.integer("num_attention_heads"));
        long kvHeads = positive(cfgFile, tp + "num_key_value_heads", text.integer("num_key_value_heads", heads));
        if (heads % kvHeads != 0) {
            throw new ConvertException(cfgFile + ": " + tp + "num_attention_heads (" + heads + ") must be a multiple of "
                    + tp + "num_key_value_heads (" + kvHeads + ")");
        }
        if (headDim == null && text.integer("hidden_size") % heads != 0) {
            throw new ConvertException(cfgFile + ": " + tp + "hidden_size (" + text.integer("hidden_size")
                    + ") must be a multiple of num_attention_heads (" + heads + ") when there is no head_dim");
        }
        if (headDim != null) {
            positive(cfgFile, tp + "head_dim", headDim);
        }
        positive(cfgFile, tp + "vocab_size", text.integer("vocab_size"));
        positive(cfgFile, tp + "max_position_embeddings", text.integer("max_position_embeddings"));
        long image = positive(cfgFile, "vision_config.image_size", vision.integer("image_size", cfg.integer("force_image_size", 448)));
        long patch = positive(cfgFile, "vision_config.patch_size", vision.integer("patch_size"));
        if (image % patch != 0 || (image / patch) % scale != 0) {
            throw new ConvertException(cfgFile + ": vision_config.image_size (" + image + ") must be a multiple of patch_size ("
                    + patch + ") times the pixel-shuffle factor 1/downsample_ratio (" + scale + ")");
        }
        long vHidden = positive(cfgFile, "vision_config.hidden_size", vision.integer("hidden_size"));
        positive(cfgFile, "vision_config.intermediate_size", vision.integer("intermediate_size"));
        positive(cfgFile, "vision_config.num_hidden_layers", vision.integer("num_hidden_layers"));
        long vHeads = positive(cfgFile, "vision_config.num_attention_heads", vision.integer("num_attention_heads"));
        if (vHidden % vHeads != 0) {
            throw new ConvertException(cfgFile + ": vision_config.hidden_size (" + vHidden + ") must be a multiple of"
                    + " num_attention_heads (" + vHeads + ")");
        }

        HfJson pre = HfJson.readOptional(dir.resolve("preprocessor_config.json"));
        float[] mean = floats3(pre, "image_mean", IMAGENET_MEAN);
        float[] std = floats3(pre, "image_std", IMAGENET_STD);
        HfJson proc = HfJson.readOptional(dir.resolve("processor_config.json"));
        int minTiles = (int) cfg.integer("min_dynamic_patch", pre.integer("min_patches", proc.integer("min_patches", 1)));
        int maxTiles = (int) cfg.integer("max_dynamic_patch", pre.integer("max_patches", proc.integer("max_patches", 12)));

        String act = vision.string("hidden_act", "gelu");
        return new InternVlConfig(textArch,
                (int) text.integer("num_hidden_layers"), (int) text.integer("max_position_embeddings"),
                (int) text.integer("hidden_size"), (int) text.integer("intermediate_size"),
                (int) text.integer("num_attention_heads"),
                (int) text.integer("num_key_value_heads", text.integer("num_attention_heads")),
                headDim, (float) text.number("rope_theta", 10000.0), (float) text.number("rms_norm_eps", 1e-6),
                (int) text.integer("vocab_size"), tied,
                id(cfg, "bos_token_id"), id(cfg, "eos_token_id"), id(cfg, "pad_token_id"),
                (int) vision.integer("image_size", cfg.integer("force_image_size", 448)), (int) vision.integer("patch_size"),
                (int) vision.integer("hidden_size"), (int) vision.integer("intermediate_size"),
                (int) vision.integer("num_hidden_layers"), (int) vision.integer("num_attention_heads"),
                (float) vision.number("layer_norm_eps", 1e-6), act.equals("gelu"), scale, minTiles, maxTiles, mean, std);
    }

    /** {@code value}, which must be between 1 and 2^31 - 1 (a size or count from the config). */
    private static long positive(Path cfgFile, String field, long value) {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new ConvertException(cfgFile + ": field '" + field + "' must be a positive whole number, got " + value);
        }
        return value;
    }

    private static Integer id(HfJson cfg, String key) {
        Object o = cfg.get(key);
        if (o instanceof List<?> l && !l.isEmpty()) {
            o = l.get(0);
        }
        return o instanceof Long v ? Math.toIntExact(v) : null;
    }

    private static float[] floats3(HfJson j, String key, float[] dflt) {
        if (!(j.get(key) instanceof List<?> l)) {
            return dflt.clone();
        }
        if (l.size() != 3) {
            throw new ConvertException(j.where() + ": field '" + key + "' must have 3 numbers, has " + l.size());
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!(l.get(i) instanceof Number n)) {
                throw new ConvertException(j.where() + ": " + key + "[" + i + "] is not a number");
            }
            out[i] = n.floatValue();
        }
        return out;
    }

    @Override
    public float[] imageMean() {
        return imageMean.clone();
    }

    @Override
    public float[] imageStd() {
        return imageStd.clone();
    }
}
