package org.vlm4j.model.internvit;

import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFormatException;
import org.vlm4j.gguf.GgufMetadata;
import org.vlm4j.gguf.GgufTensorInfo;

/**
 * Hyper-parameters of an InternViT vision encoder plus InternVL's pixel-shuffle projector, read from
 * the {@code clip.vision.*} metadata of an mmproj GGUF ({@code clip.projector_type = internvl}).
 *
 * <p>Everything the forward pass depends on comes from the file, so the same code runs the real
 * InternViT-300M (width 1024, 24 layers) and the tiny test model (width 64, 2 layers). Keys that
 * only older converters omit have documented fallbacks: {@code image_mean/std} fall back to the
 * ImageNet statistics the model was trained with, {@code preproc_min/max_tiles} to 1/12 and
 * {@code projector.scale_factor} to 2 (InternVL's {@code downsample_ratio 0.5}).
 *
 * @param imageSize tile side in pixels (448)
 * @param patchSize patch side in pixels (14)
 * @param hiddenSize ViT width C (1024)
 * @param intermediateSize ViT MLP width (4096)
 * @param layers number of encoder layers (24)
 * @param heads attention heads (16)
 * @param layerNormEps epsilon of the ViT LayerNorms (1e-6)
 * @param scaleFactor pixel-shuffle factor s: s x s neighbouring patches become one token (2)
 * @param projectionDim output width of the projector, i.e. the LLM hidden size (1024); taken from
 *     the shape of {@code mm.model.mlp.3.weight}
 * @param imageMean per-channel RGB normalisation mean
 * @param imageStd per-channel RGB normalisation standard deviation
 * @param minTiles minimum number of tiles for dynamic tiling (1)
 * @param maxTiles maximum number of tiles for dynamic tiling (12)
 */
public record InternVitConfig(int imageSize, int patchSize, int hiddenSize, int intermediateSize, int layers,
        int heads, float layerNormEps, int scaleFactor, int projectionDim, float[] imageMean, float[] imageStd,
        int minTiles, int maxTiles) {

    /** The projector's LayerNorm epsilon: PyTorch's {@code nn.LayerNorm} default, not stored in GGUF. */
    public static final float PROJECTOR_LAYER_NORM_EPS = 1e-5f;
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** ImageNet mean (R, G, B), the fallback for {@code clip.vision.image_mean}. */
    public static float[] imagenetMean() {
        return IMAGENET_MEAN.clone();
    }

    /** ImageNet standard deviation (R, G, B), the fallback for {@code clip.vision.image_std}. */
    public static float[] imagenetStd() {
        return IMAGENET_STD.clone();
    }

    static final String PREFIX = "clip.vision.";

    /** Validates the geometry so that every derived size below is a whole number. */
    public InternVitConfig {
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
        require(imageSize > 0 && patchSize > 0 && imageSize % patchSize == 0,
                "image_size " + imageSize + " is not a positive multiple of patch_size " + patchSize);
        require(hiddenSize > 0 && intermediateSize > 0 && layers > 0 && heads > 0,
                "embedding_length, feed_forward_length, block_count and head_count must be positive");
        require(hiddenSize % heads == 0, "embedding_length " + hiddenSize + " is not a multiple of head_count " + heads);
        require(scaleFactor > 0 && (imageSize / patchSize) % scaleFactor == 0,
                "patch grid " + imageSize / patchSize + " is not a multiple of projector.scale_factor " + scaleFactor);
        require(projectionDim > 0, "projection width must be positive");
        require(imageMean.length == 3 && imageStd.length == 3, "image_mean and image_std must have 3 values");
        for (float s : imageStd) {
            require(s > 0 && Float.isFinite(s), "image_std values must be positive");
        }
        require(layerNormEps > 0 && Float.isFinite(layerNormEps), "layer_norm_epsilon must be positive");
        // 4096: the most tiles the vision package's grid search considers (TileGrid.MAX_TILES; model does not depend on vision)
        require(minTiles >= 1 && maxTiles >= minTiles && maxTiles <= 4096,
                "preproc tiles must satisfy 1 <= min <= max <= 4096, got " + minTiles + ".." + maxTiles);
        // keeps every activation buffer below 2^31 elements
        long tokens = (long) (imageSize / patchSize) * (imageSize / patchSize) + 1;
        require(tokens * Math.max(hiddenSize, intermediateSize) < Integer.MAX_VALUE / 4
                && (long) 3 * imageSize * imageSize < Integer.MAX_VALUE / 16,
                "model is too large for this encoder");
    }

    /**
     * Reads the configuration from an mmproj file. The projection width is the output count of
     * {@code mm.model.mlp.3.weight}; {@code clip.vision.projection_dim}, when present, must agree.
     *
     * @throws GgufFormatException if the file is not an InternVL mmproj or a key is missing or invalid
     */
    public static InternVitConfig fromGguf(GgufFile file) {
        GgufMetadata md = file.metadata();
        String src = file.path().toString();
        String arch = file.architecture();
        if (!"clip".equals(arch)) {
            throw new GgufFormatException(src + ": general.architecture is '" + arch
                    + "', expected 'clip' (an mmproj vision file, not the text model)");
        }
        String projector = md.getString("clip.projector_type", null);
        if (projector == null) {
            throw new GgufFormatException(src + ": metadata 'clip.projector_type' is missing; expected 'internvl'");
        }
        if (!"internvl".equals(projector)) {
            throw new GgufFormatException(src + ": clip.projector_type is '" + projector
                    + "', only 'internvl' (InternVL pixel shuffle + MLP projector) is supported");
        }
        if (!md.getBoolean("clip.has_vision_encoder", true)) {
            throw new GgufFormatException(src + ": clip.has_vision_encoder is false; the file holds no vision encoder");
        }
        GgufTensorInfo last = file.tensor(InternVitWeights.MLP3 + ".weight");
        if (last == null) {
            throw new GgufFormatException(src + ": tensor '" + InternVitWeights.MLP3 + ".weight' (projector output layer) is missing");
        }
        if (last.dim(1) < 1 || last.dim(1) > Integer.MAX_VALUE / 1024) {
            throw new GgufFormatException(src + ": tensor '" + last.name() + "' has shape " + last.shapeString());
        }
        int projectionDim = (int) last.dim(1);
        int declared = md.getInt(PREFIX + "projection_dim", projectionDim);
        if (declared != projectionDim) {
            throw new GgufFormatException(src + ": clip.vision.projection_dim = " + declared
                    + " but mm.model.mlp.3.weight has " + projectionDim + " outputs");
        }
        try {
            return new InternVitConfig(
                    md.getInt(PREFIX + "image_size"),
                    md.getInt(PREFIX + "patch_size"),
                    md.getInt(PREFIX + "embedding_length"),
                    md.getInt(PREFIX + "feed_forward_length"),
                    md.getInt(PREFIX + "block_count"),
                    md.getInt(PREFIX + "attention.head_count"),
                    (float) md.getDouble(PREFIX + "attention.layer_norm_epsilon"),
                    md.getInt(PREFIX + "projector.scale_factor", 2),
                    projectionDim,
                    floats3(md, PREFIX + "image_mean", IMAGENET_MEAN, src),
                    floats3(md, PREFIX + "image_std", IMAGENET_STD, src),
                    md.getInt(PREFIX + "preproc_min_tiles", 1),
                    md.getInt(PREFIX + "preproc_max_tiles", 12));
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(src + ": invalid clip.vision metadata: " + e.getMessage(), e);
        }
    }

    private static float[] floats3(GgufMetadata md, String key, float[] fallback, String src) {
        GgufArray a = md.getArrayOrNull(key);
        if (a == null) {
            return fallback.clone();
        }
        if (a.length() != 3) {
            throw new GgufFormatException(src + ": metadata '" + key + "' has " + a.length() + " values, expected 3 (R, G, B)");
        }
        try {
            return a.floats();
        } catch (IllegalStateException e) {
            throw new GgufFormatException(src + ": metadata '" + key + "' is not numeric: " + e.getMessage(), e);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public float[] imageMean() {
        return imageMean.clone();
    }

    @Override
    public float[] imageStd() {
        return imageStd.clone();
    }

    /** One-line summary for logs and start-up banners. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "InternViT %dpx/%d: %d layers, width %d, %d heads x %d, MLP %d, LN eps %.0e; pixel shuffle %d -> %d tokens x %d",
                imageSize, patchSize, layers, hiddenSize, heads, headDim(), intermediateSize, layerNormEps, scaleFactor,
                tokensPerTile(), projectionDim);
    }

    /** Patches per tile side (32). */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Patches per tile (1024). */
    public int patches() {
        return gridSize() * gridSize();
    }

    /** Sequence length inside the ViT: CLS + patches (1025); also the number of position embeddings. */
    public int sequenceLength() {
        return patches() + 1;
    }

    /** Values per flattened patch, {@code 3 * patch^2} (588), ordered (channel, y, x). */
    public int patchVectorSize() {
        return 3 * patchSize * patchSize;
    }

    /** Width of one attention head (64). */
    public int headDim() {
        return hiddenSize / heads;
    }

    /** Output grid side after pixel shuffle (16). */
    public int shuffledGridSize() {
        return gridSize() / scaleFactor;
    }

    /** Output tokens per tile (256). */
    public int tokensPerTile() {
        return shuffledGridSize() * shuffledGridSize();
    }

    /** Width of a pixel-shuffled token, the projector's input ({@code C * s^2} = 4096). */
    public int shuffledWidth() {
        return hiddenSize * scaleFactor * scaleFactor;
    }

    /** Floats in one normalised CHW tile ({@code 3 * 448 * 448}). */
    public int pixelsPerTile() {
        return 3 * imageSize * imageSize;
    }
}
