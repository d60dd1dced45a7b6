package org.vlm4j.model;

import java.util.Arrays;

/**
 * The input for a run of consecutive positions of a language model: each position is either a
 * token id (looked up in the model's embedding table) or a ready-made embedding row supplied by
 * the caller. Embedding rows are how image features enter the text model: the multimodal layer
 * builds the prompt as ids with {@link #EMBEDDING} at every image position and passes the
 * projected vision rows alongside ({@link #mixed}).
 *
 * <p>Instances are immutable views: the arrays passed in are not copied, so the caller must not
 * change them while the input is in use.
 */
public final class ModelInput {
    /** Marker in an id array for "take the next embedding row". */
    public static final int EMBEDDING = -1;

    private static final ModelInput EMPTY = new ModelInput(new int[0], 0, 0, null, 0, 0);

    private final int[] ids;      // null when every position is an embedding row
    private final int idsOff;
    private final int length;
    private final float[] rows;   // row-major [nRows][width], may be null
    private final int rowsOff;
    private final int width;      // 0 when there are no rows
    private final int[] rowOfPos; // row index for each position, null when no rows or all rows

    private ModelInput(int[] ids, int idsOff, int length, float[] rows, int rowsOff, int width) {
        this.ids = ids;
        this.idsOff = idsOff;
        this.length = length;
        this.rows = rows;
        this.rowsOff = rowsOff;
        this.width = width;
        if (ids != null && rows != null) {
            int[] map = new int[length];
            int r = 0;
            for (int i = 0; i < length; i++) {
                map[i] = ids[idsOff + i] < 0 ? r++ : -1;
            }
            this.rowOfPos = map;
        } else {
            this.rowOfPos = null;
        }
    }

    /** No positions. */
    public static ModelInput empty() {
        return EMPTY;
    }

    /** Token ids, one position each. */
    public static ModelInput tokens(int... ids) {
        return tokens(ids, 0, ids.length);
    }

    /** {@code n} token ids starting at {@code ids[off]}. */
    public static ModelInput tokens(int[] ids, int off, int n) {
        java.util.Objects.checkFromIndexSize(off, n, ids.length);
        for (int i = 0; i < n; i++) {
            if (ids[off + i] < 0) {
                throw new IllegalArgumentException("token id " + ids[off + i] + " at index " + i
                        + " is negative; use ModelInput.mixed for embedding rows");
            }
        }
        return new ModelInput(ids, off, n, null, 0, 0);
    }

    /**
     * {@code n} embedding rows of width {@code rows.length / n}, row-major, one position each.
     */
    public static ModelInput embeddings(float[] rows, int n) {
        if (n < 0 || (n == 0 ? rows.length != 0 : rows.length % n != 0)) {
            throw new IllegalArgumentException(rows.length + " floats do not split into " + n + " equal rows");
        }
        return new ModelInput(null, 0, n, rows, 0, n == 0 ? 0 : rows.length / n);
    }

    /**
     * {@code n} embedding rows of width {@code width} starting at {@code rows[off]}.
     */
    public static ModelInput embeddings(float[] rows, int off, int n, int width) {
        if (width < 1) {
            throw new IllegalArgumentException("row width " + width);
        }
        java.util.Objects.checkFromIndexSize(off, Math.multiplyExact(n, width), rows.length);
        return new ModelInput(null, 0, n, rows, off, width);
    }

    /**
     * Token ids where every {@link #EMBEDDING} (any negative id) takes the next row of
     * {@code rows} in order; {@code rows} must hold exactly one row per such position.
     */
    public static ModelInput mixed(int[] ids, float[] rows) {
        int nRows = 0;
        for (int id : ids) {
            if (id < 0) {
                nRows++;
            }
        }
        if (nRows == 0) {
            if (rows != null && rows.length != 0) {
                throw new IllegalArgumentException(rows.length + " embedding floats given but no position is an embedding row");
            }
            return tokens(ids);
        }
        if (rows == null || rows.length % nRows != 0 || rows.length == 0) {
            throw new IllegalArgumentException((rows == null ? 0 : rows.length) + " embedding floats do not split into the "
                    + nRows + " rows the ids ask for");
        }
        return new ModelInput(ids, 0, ids.length, rows, 0, rows.length / nRows);
    }

    /** Number of positions. */
    public int length() {
        return length;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    /** Width of the embedding rows, or 0 when the input holds only token ids. */
    public int rowWidth() {
        return width;
    }

    /** Whether position {@code i} is a token id (rather than an embedding row). */
    public boolean isToken(int i) {
        return ids != null && ids[idsOff + i] >= 0;
    }

    /** The token id at position {@code i}, or {@link #EMBEDDING} for an embedding row. */
    public int tokenAt(int i) {
        java.util.Objects.checkIndex(i, length);
        return isToken(i) ? ids[idsOff + i] : EMBEDDING;
    }

    /** The position's ids as an array ({@link #EMBEDDING} for rows), e.g. for a history. */
    public int[] toIds() {
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = tokenAt(i);
        }
        return out;
    }

    /** Offset in {@link #rowData()} of the embedding row for position {@code i} (must not be a token). */
    public int rowOffset(int i) {
        int r = rowOfPos != null ? rowOfPos[i] : i;
        return rowsOff + r * width;
    }

    /** The backing embedding rows (not a copy), or null. */
    public float[] rowData() {
        return rows;
    }

    /** Positions {@code [from, to)} as a new input sharing the arrays. */
    public ModelInput slice(int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, length);
        if (from == 0 && to == length) {
            return this;
        }
        if (rows == null) {
            return new ModelInput(ids, idsOff + from, to - from, null, 0, 0);
        }
        if (ids == null) {
            return new ModelInput(null, 0, to - from, rows, rowsOff + from * width, width);
        }
        int firstRow = 0;
        for (int i = 0; i < from; i++) {
            if (ids[idsOff + i] < 0) {
                firstRow++;
            }
        }
        return new ModelInput(ids, idsOff + from, to - from, rows, rowsOff + firstRow * width, width);
    }

    /**
     * This input with {@code n} token ids from {@code tokens[off..]} in front (used to compute
     * pending tokens together with the next input). The embedding rows are shared, not copied.
     */
    public ModelInput prependTokens(int[] tokens, int off, int n) {
        java.util.Objects.checkFromIndexSize(off, n, tokens.length);
        if (n == 0) {
            return this;
        }
        int[] ids = new int[n + length];
        for (int i = 0; i < n; i++) {
            if (tokens[off + i] < 0) {
                throw new IllegalArgumentException("token id " + tokens[off + i] + " is negative");
            }
            ids[i] = tokens[off + i];
        }
        for (int i = 0; i < length; i++) {
            ids[n + i] = tokenAt(i);
        }
        if (rows == null) {
            return new ModelInput(ids, 0, ids.length, null, 0, 0);
        }
        // rowsOff always points at this input's first row
        return new ModelInput(ids, 0, ids.length, rows, rowsOff, width);
    }

    @Override
    public String toString() {
        int nRows = 0;
        for (int i = 0; i < length; i++) {
            if (!isToken(i)) {
                nRows++;
            }
        }
        return "ModelInput[" + length + " positions, " + nRows + " embedding rows"
                + (length <= 16 ? ", ids=" + Arrays.toString(toIds()) : "") + "]";
    }
}
