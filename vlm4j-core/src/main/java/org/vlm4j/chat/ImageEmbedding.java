package org.vlm4j.chat;

/**
 * An image turned into text-model input rows: {@code tiles x rowsPerTile} rows of the text model's
 * width, tile-major (thumbnail last).
 *
 * @param rows the rows, row-major (not copied: treat as read-only)
 * @param rowCount number of rows
 * @param tiles tiles the image was cut into
 * @param gridCols tile grid columns (thumbnail not counted)
 * @param gridRows tile grid rows
 * @param width source image width in pixels
 * @param height source image height in pixels
 * @param encodeMillis time to decode, preprocess and encode it
 */
public record ImageEmbedding(float[] rows, int rowCount, int tiles, int gridCols, int gridRows, int width, int height,
        double encodeMillis) {}
