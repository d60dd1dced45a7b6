package org.vlm4j.vision;

/**
 * A tiling grid of {@code cols x rows} square tiles, and the rule InternVL uses to choose it.
 *
 * <p>The rule is the model card's {@code dynamic_preprocess} / {@code find_closest_aspect_ratio}:
 * among all grids with {@code minTiles <= cols*rows <= maxTiles}, visited in ascending order of
 * {@code cols*rows}, take the one whose ratio {@code cols/rows} is closest to {@code width/height}
 * (double-precision {@code abs} difference, strict {@code <}). A later grid with an
 * <em>exactly</em> equal difference (the same ratio: 1x1, 2x2, 3x3; 1x2, 2x4; ...) replaces the
 * current choice only if the image area exceeds half the grid's pixel area,
 * {@code W*H > 0.5 * imageSize^2 * cols*rows}. So small images are upscaled into several tiles
 * (300x200 becomes 3x2), and a square image needs more than 401,408 pixels to get 2x2 at 448.
 *
 * <p>Within one product the reference iterates a Python set (order not specified); here grids are
 * visited by product, then columns, then rows. With the default limits this never changes the result
 * (two grids of equal product never tie); with unusual {@code minTiles} an exact floating-point tie
 * between two such grids could in principle resolve differently.
 *
 * @param cols tiles per row (horizontal)
 * @param rows tiles per column (vertical)
 */
public record TileGrid(int cols, int rows) {

    /** Validates that both counts are positive. */
    public TileGrid {
        if (cols <= 0 || rows <= 0) {
            throw new IllegalArgumentException("grid must be at least 1x1, got " + cols + "x" + rows);
        }
    }

    /** Number of grid tiles, {@code cols * rows} (without any thumbnail). */
    public int tiles() {
        return cols * rows;
    }

    /** The largest tile count {@link #choose} accepts (its search is quadratic in it). */
    public static final int MAX_TILES = 4096;

    /**
     * Chooses the grid for an image of {@code width x height} pixels.
     *
     * @param minTiles  smallest allowed {@code cols*rows} (InternVL default 1)
     * @param maxTiles  largest allowed {@code cols*rows} (InternVL default 12)
     * @param imageSize tile edge in pixels (448 for InternVL3.5), used by the area tie rule
     * @throws IllegalArgumentException if a size is not positive, {@code minTiles > maxTiles} or
     *     {@code maxTiles > MAX_TILES}
     */
    public static TileGrid choose(int width, int height, int minTiles, int maxTiles, int imageSize) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (minTiles < 1 || maxTiles < minTiles || maxTiles > MAX_TILES) {
            throw new IllegalArgumentException("need 1 <= minTiles <= maxTiles <= " + MAX_TILES + ", got " + minTiles + ".." + maxTiles);
        }
        if (imageSize <= 0) {
            throw new IllegalArgumentException("imageSize must be positive, got " + imageSize);
        }
        double aspect = (double) width / height;
        double area = (double) width * height; // exact: product < 2^53 for int sides
        double bestDiff = Double.POSITIVE_INFINITY;
        int bestCols = 1;
        int bestRows = 1;
        for (int n = minTiles; n <= maxTiles; n++) {
            for (int cols = 1; cols <= n; cols++) {
                if (n % cols != 0) {
                    continue;
                }
                int rows = n / cols;
                double diff = Math.abs(aspect - (double) cols / rows);
                if (diff < bestDiff) {
                    bestDiff = diff;
                    bestCols = cols;
                    bestRows = rows;
                } else if (diff == bestDiff && area > 0.5 * imageSize * imageSize * cols * rows) {
                    bestCols = cols;
                    bestRows = rows;
                }
            }
        }
        return new TileGrid(bestCols, bestRows);
    }
}
