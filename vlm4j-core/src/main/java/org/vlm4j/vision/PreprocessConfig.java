package org.vlm4j.vision;

import java.util.Arrays;

/**
 * Parameters of InternVL's image preprocessing. The values come from the vision GGUF
 * ({@code clip.vision.image_size}, {@code clip.vision.preproc_min_tiles/max_tiles},
 * {@code clip.vision.image_mean/image_std}); {@link #internVlDefaults()} holds the reference values
 * for when a key is absent.
 *
 * @param imageSize    tile edge in pixels (448 for InternVL3.5)
 * @param minTiles     smallest allowed grid ({@code cols*rows})
 * @param maxTiles     largest allowed grid
 * @param useThumbnail append a whole-image thumbnail after the grid tiles when there is more than
 *                     one grid tile
 * @param mean         per-channel mean (R, G, B) subtracted after scaling to 0..1
 * @param std          per-channel standard deviation (R, G, B) divided by
 */
public record PreprocessConfig(int imageSize, int minTiles, int maxTiles, boolean useThumbnail,
                               float[] mean, float[] std) {

    /** ImageNet mean used by InternVL ({@code IMAGENET_MEAN} in {@code internvl/train/constants.py}). */
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

    /** ImageNet standard deviation used by InternVL ({@code IMAGENET_STD}). */
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** Validates and takes defensive copies of the arrays. */
    public PreprocessConfig {
        if (imageSize <= 0) {
            throw new IllegalArgumentException("imageSize must be positive, got " + imageSize);
        }
        if (minTiles < 1 || maxTiles < minTiles) {
            throw new IllegalArgumentException("need 1 <= minTiles <= maxTiles, got " + minTiles + ".." + maxTiles);
        }
        if (mean == null || mean.length != 3 || std == null || std.length != 3) {
            throw new IllegalArgumentException("mean and std must have 3 values (R, G, B)");
        }
        for (int c = 0; c < 3; c++) {
            if (!Float.isFinite(mean[c]) || !Float.isFinite(std[c]) || std[c] == 0f) {
                throw new IllegalArgumentException("mean/std must be finite and std non-zero, got mean="
                        + Arrays.toString(mean) + " std=" + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** InternVL3.5 reference: 448 px, 1..12 tiles, thumbnail on, ImageNet mean/std. */
    public static PreprocessConfig internVlDefaults() {
        return new PreprocessConfig(448, 1, 12, true, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** A copy of the mean (the record keeps its own). */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** A copy of the standard deviation. */
    @Override
    public float[] std() {
        return std.clone();
    }

    /** A copy with another tile size. */
    public PreprocessConfig withImageSize(int size) {
        return new PreprocessConfig(size, minTiles, maxTiles, useThumbnail, mean, std);
    }

    /** A copy with other tile-count limits. */
    public PreprocessConfig withTiles(int min, int max) {
        return new PreprocessConfig(imageSize, min, max, useThumbnail, mean, std);
    }

    /** A copy with other normalization constants. */
    public PreprocessConfig withNormalization(float[] newMean, float[] newStd) {
        return new PreprocessConfig(imageSize, minTiles, maxTiles, useThumbnail, newMean, newStd);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessConfig p && p.imageSize == imageSize && p.minTiles == minTiles
                && p.maxTiles == maxTiles && p.useThumbnail == useThumbnail
                && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return ((imageSize * 31 + minTiles) * 31 + maxTiles) * 31 + Boolean.hashCode(useThumbnail)
                + 7 * Arrays.hashCode(mean) + 11 * Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "PreprocessConfig[imageSize=" + imageSize + ", tiles=" + minTiles + ".." + maxTiles
                + ", thumbnail=" + useThumbnail + ", mean=" + Arrays.toString(mean)
                + ", std=" + Arrays.toString(std) + "]";
    }
}
