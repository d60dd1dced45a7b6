package org.vlm4j.vision;

import java.util.List;
import java.util.Objects;

/**
 * The result of InternVL preprocessing for one image: the tile grid, the 8-bit tiles, and the
 * normalized float32 pixel tensor the vision encoder consumes.
 *
 * <p>Layout of {@link #pixels()}: {@code [tile][channel R,G,B][y][x]}, {@code tileCount() * 3 *
 * imageSize * imageSize} floats, tiles in order: the {@code gridCols x gridRows} grid tiles row-major
 * (left to right, top to bottom), then the thumbnail if {@link #hasThumbnail()}. The number of image
 * tokens for the prompt is {@code 256 * tileCount()} for InternVL3.5 (1024 patches per 448 tile,
 * pixel-shuffled by 0.5).
 *
 * <p>The pixel array is large (2.4 MB per tile) and is handed over without copying: treat it as
 * read-only. The tiles list is immutable.
 */
public final class PreprocessedImage {

    private final int imageSize;
    private final TileGrid grid;
    private final boolean thumbnail;
    private final List<RgbImage> tiles;
    private final float[] pixels;

    PreprocessedImage(int imageSize, TileGrid grid, boolean thumbnail, List<RgbImage> tiles, float[] pixels) {
        this.imageSize = imageSize;
        this.grid = Objects.requireNonNull(grid);
        this.thumbnail = thumbnail;
        this.tiles = List.copyOf(tiles);
        this.pixels = pixels;
        if (this.tiles.size() != grid.tiles() + (thumbnail ? 1 : 0)
                || pixels.length != (long) this.tiles.size() * 3 * imageSize * imageSize) {
            throw new IllegalArgumentException("inconsistent tile count");
        }
    }

    /** Total number of tiles including the thumbnail. */
    public int tileCount() {
        return tiles.size();
    }

    /** Grid columns. */
    public int gridCols() {
        return grid.cols();
    }

    /** Grid rows. */
    public int gridRows() {
        return grid.rows();
    }

    /** The chosen grid. */
    public TileGrid grid() {
        return grid;
    }

    /** Whether the last tile is a thumbnail of the whole image. */
    public boolean hasThumbnail() {
        return thumbnail;
    }

    /** Tile edge in pixels. */
    public int imageSize() {
        return imageSize;
    }

    /** The 8-bit tiles ({@code imageSize x imageSize} each), in tensor order; immutable. */
    public List<RgbImage> tiles() {
        return tiles;
    }

    /** The normalized tensor {@code [tileCount][3][imageSize][imageSize]}; not copied, do not modify. */
    public float[] pixels() {
        return pixels;
    }

    /** Offset of tile {@code t} in {@link #pixels()}. */
    public int tileOffset(int t) {
        Objects.checkIndex(t, tiles.size());
        return t * 3 * imageSize * imageSize;
    }

    @Override
    public String toString() {
        return "PreprocessedImage[" + grid.cols() + "x" + grid.rows() + (thumbnail ? " + thumbnail" : "")
                + " = " + tiles.size() + " tiles of " + imageSize + "]";
    }
}
