package org.vlm4j.tensor;

/**
 * Matrix products of weights with f32 activations, parallel on a {@link WorkerPool}.
 *
 * <p>Conventions: a weight matrix {@code W} has {@code rows = out features} and
 * {@code cols = in features} (a PyTorch linear weight). Activations of {@code n} tokens are
 * row-major {@code [n][cols]} float arrays; outputs are row-major {@code [n][rows]}.
 */
public final class MatOps {
    private MatOps() {}

    /** Rows per chunk for matrix-vector products. */
    static final int MATVEC_GRAIN = 16;

    /** {@code out[outOff + r] = W[r] . x[xOff ..]} for every row r (one token). */
    public static void matVec(WorkerPool pool, WeightMatrix w, float[] x, int xOff, float[] out, int outOff) {
        pool.forRange(w.rows(), MATVEC_GRAIN, (start, end) -> {
            for (int r = start; r < end; r++) {
                out[outOff + r] = w.dot(r, x, xOff);
            }
        });
    }

    /** {@link #matVec} for rows {@code [rowStart, rowEnd)} only, on the calling thread. */
    public static void matVecRows(WeightMatrix w, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOff + r] = w.dot(r, x, xOff);
        }
    }

    /**
     * {@code out[t][r] = W[r] . x[t]} for {@code n} tokens: x is {@code [n][cols]}, out is
     * {@code [n][rows]} (both starting at index 0).
     */
    public static void matMul(WorkerPool pool, WeightMatrix w, float[] x, int n, float[] out) {
        int rows = w.rows();
        int cols = w.cols();
        pool.forRange(rows, MATVEC_GRAIN, (start, end) -> {
            for (int r = start; r < end; r++) {
                for (int t = 0; t < n; t++) {
                    out[t * rows + r] = w.dot(r, x, t * cols);
                }
            }
        });
    }

    /** Adds {@code bias} (length rows) to each of the {@code n} output rows of width {@code rows}. */
    public static void addBias(float[] out, int n, float[] bias) {
        int rows = bias.length;
        for (int t = 0; t < n; t++) {
            int o = t * rows;
            for (int r = 0; r < rows; r++) {
                out[o + r] += bias[r];
            }
        }
    }
}
