package org.vlm4j.vision;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * InternVL's image preprocessing, as in the model card ({@code load_image}):
 * {@code dynamic_preprocess(image, min_num, max_num, image_size, use_thumbnail=True)} followed by
 * {@code T.Resize((s, s), BICUBIC)}, {@code T.ToTensor()} and {@code T.Normalize(mean, std)} per
 * tile.
 *
 * <ol>
 *   <li>Choose the grid ({@link TileGrid#choose}).</li>
 *   <li>Stretch the whole image to {@code cols*s x rows*s} with Pillow-exact bicubic
 *       ({@link PillowResize}); the aspect ratio is not kept.</li>
 *   <li>Cut it into {@code s x s} tiles, row-major.</li>
 *   <li>If there is more than one tile and thumbnails are on, append the whole original image
 *       stretched to {@code s x s}, last.</li>
 *   <li>Per tile, {@code v = (float(u8) / 255f - mean[c]) / std[c]} in float32, channel-first. The
 *       per-tile {@code Resize((s, s))} is a no-op on tiles that are already {@code s x s} (Pillow
 *       returns a copy), so it is not performed.</li>
 * </ol>
 *
 * <p>The normalization matches torchvision's {@code ToTensor} + {@code Normalize} bit for bit.
 * Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {

    private final PreprocessConfig config;

    /** A preprocessor for the given parameters. */
    public ImagePreprocessor(PreprocessConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The parameters. */
    public PreprocessConfig config() {
        return config;
    }

    /** The grid {@link #preprocess} would use for an image of this size. */
    public TileGrid gridFor(int width, int height) {
        return TileGrid.choose(width, height, config.minTiles(), config.maxTiles(), config.imageSize());
    }

    /** Number of tiles (grid plus thumbnail) {@link #preprocess} would produce. */
    public int tileCountFor(int width, int height) {
        int n = gridFor(width, height).tiles();
        return n > 1 && config.useThumbnail() ? n + 1 : n;
    }

    /** Steps 1-4: the 8-bit tiles in tensor order (grid row-major, thumbnail last); immutable list. */
    public List<RgbImage> tiles(RgbImage image) {
        return List.copyOf(tiles(image, gridFor(image.width(), image.height())));
    }

    private List<RgbImage> tiles(RgbImage image, TileGrid grid) {
        int s = config.imageSize();
        RgbImage resized = PillowResize.bicubic(image, Math.multiplyExact(s, grid.cols()),
                Math.multiplyExact(s, grid.rows()));
        List<RgbImage> tiles = new ArrayList<>(grid.tiles() + 1);
        if (grid.tiles() == 1) {
            tiles.add(resized);
            return tiles;
        }
        for (int i = 0; i < grid.tiles(); i++) {
            int x = i % grid.cols();
            int y = i / grid.cols();
            tiles.add(resized.crop(x * s, y * s, s, s));
        }
        if (config.useThumbnail()) {
            tiles.add(PillowResize.bicubic(image, s, s));
        }
        return tiles;
    }

    /** All steps: tiles and the normalized tensor. */
    public PreprocessedImage preprocess(RgbImage image) {
        TileGrid grid = gridFor(image.width(), image.height());
        List<RgbImage> tiles = tiles(image, grid);
        int s = config.imageSize();
        int plane = s * s;
        float[] pixels = new float[Math.multiplyExact(Math.multiplyExact(tiles.size(), 3), plane)];
        for (int t = 0; t < tiles.size(); t++) {
            normalize(tiles.get(t), config.mean(), config.std(), pixels, t * 3 * plane);
        }
        boolean thumbnail = tiles.size() > grid.tiles();
        return new PreprocessedImage(s, grid, thumbnail, tiles, pixels);
    }

    /**
     * Writes {@code (float(u8) / 255f - mean[c]) / std[c]} for every sample of {@code tile} into
     * {@code out[offset ..]} in channel-first order ({@code [c][y][x]}).
     */
    public static void normalize(RgbImage tile, float[] mean, float[] std, float[] out, int offset) {
        byte[] rgb = tile.data();
        int plane = tile.width() * tile.height();
        Objects.checkFromIndexSize(offset, 3 * plane, out.length);
        for (int c = 0; c < 3; c++) {
            // Table of the 256 possible values: same float ops, done once.
            float[] lut = new float[256];
            for (int v = 0; v < 256; v++) {
                lut[v] = ((float) v / 255f - mean[c]) / std[c];
            }
            int o = offset + c * plane;
            for (int i = 0, p = c; i < plane; i++, p += 3) {
                out[o + i] = lut[rgb[p] & 0xFF];
            }
        }
    }
}
