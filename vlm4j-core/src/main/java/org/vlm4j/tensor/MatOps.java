package org.vlm4j.tensor;

import org.vlm4j.gguf.GgmlType;

/**
 * Matrix products of weights with f32 activations, parallel on a {@link WorkerPool}.
 *
 * <p>Conventions: a weight matrix {@code W} has {@code rows = out features} and
 * {@code cols = in features} (a PyTorch linear weight). Activations of {@code n} tokens are
 * row-major {@code [n][cols]} float arrays; outputs are row-major {@code [n][rows]}.
 *
 * <p>Paths:
 * <ul>
 *   <li>{@link #matVec} (one token, decode): for Q8_0/Q4_0 weights, when
 *       {@link KernelInfo#quantizedDot} says {@code INT8}, the activations are quantized once to
 *       8-bit blocks ({@link QuantizedActivations}) and every row is an integer dot product, as in
 *       GGML, read four rows a quarter of the chunk apart per pass ({@link WeightMatrix#dot4}: four
 *       memory streams at once, ~1.35x the throughput of one row at a time once the weights come
 *       from DRAM); otherwise each row is a float dot product with on-the-fly dequantization.</li>
 *   <li>{@link #matMul} (many tokens): a cache-blocked, register-tiled GEMM over f32 weight panels
 *       dequantized once per row block (see {@code Gemm}); fewer than 4 tokens use matVec-style
 *       dots.</li>
 * </ul>
 */
public final class MatOps {
    private MatOps() {}

    /** Rows per chunk for matrix-vector products. */
    static final int MATVEC_GRAIN = 16;

    private static final ThreadLocal<QuantizedActivations> QA = ThreadLocal.withInitial(() -> new QuantizedActivations(0));

    /** Whether {@link #matVec} multiplies {@code w} with quantized activations. */
    public static boolean usesQuantizedActivations(WeightMatrix w) {
        return w.kernels().supportsQuantizedDot() && KernelInfo.quantizedDot(w.type()) == KernelInfo.QuantizedDot.INT8;
    }

    /** Whether {@link #matVec} of {@code w} needs the Q4_0 terms of {@link QuantizedActivations}. */
    public static boolean usesNibbleTerms(WeightMatrix w) {
        return w.type() == GgmlType.Q4_0 && usesQuantizedActivations(w);
    }

    /** {@code out[outOff + r] = W[r] . x[xOff ..]} for every row r (one token). */
    public static void matVec(WorkerPool pool, WeightMatrix w, float[] x, int xOff, float[] out, int outOff) {
        checkVec(w, x, xOff, out, outOff);
        if (usesQuantizedActivations(w)) {
            QuantizedActivations qa = QA.get().quantize(x, xOff, w.cols(), usesNibbleTerms(w));
            matVec(pool, w, qa, out, outOff);
            return;
        }
        pool.forRange(w.rows(), MATVEC_GRAIN, (start, end) -> matVecRows(w, x, xOff, out, outOff, start, end));
    }

    /**
     * {@code out[outOff + r] = W[r] . a} for every row, with activations already quantized (so
     * that several matrices sharing an input quantize it once). Requires Q8_0 or Q4_0 weights
     * ({@link TypeKernels#supportsQuantizedDot()}) and {@code a.length() == w.cols()}.
     */
    public static void matVec(WorkerPool pool, WeightMatrix w, QuantizedActivations a, float[] out, int outOff) {
        checkQuantized(w, a);
        java.util.Objects.checkFromIndexSize(outOff, w.rows(), out.length);
        pool.forRange(w.rows(), MATVEC_GRAIN, (start, end) -> quantizedRows(w, a, out, outOff, start, end));
    }

    /**
     * One parallel region for several matrices with the same input (q/k/v, gate/up):
     * {@code outs[m][r] = ws[m][r] . x} for every matrix m and row r. Quantizes {@code x} at most
     * once. All matrices must have {@code x}'s width as {@code cols}.
     */
    public static void matVecs(WorkerPool pool, float[] x, int xOff, WeightMatrix[] ws, float[][] outs) {
        if (ws.length != outs.length) {
            throw new IllegalArgumentException(ws.length + " matrices but " + outs.length + " outputs");
        }
        int total = 0;
        boolean quantize = false;
        boolean nibbleTerms = false;
        int[] starts = new int[ws.length + 1];
        boolean[] int8 = new boolean[ws.length];
        for (int m = 0; m < ws.length; m++) {
            checkVec(ws[m], x, xOff, outs[m], 0);
            if (ws[m].cols() != ws[0].cols()) {
                throw new IllegalArgumentException("matrices " + ws[0].name() + " and " + ws[m].name() + " have different widths");
            }
            int8[m] = usesQuantizedActivations(ws[m]);
            quantize |= int8[m];
            nibbleTerms |= usesNibbleTerms(ws[m]);
            total += ws[m].rows();
            starts[m + 1] = total;
        }
        QuantizedActivations qa = quantize ? QA.get().quantize(x, xOff, ws[0].cols(), nibbleTerms) : null;
        int[] outOffs = new int[ws.length];
        pool.forRange(total, MATVEC_GRAIN, (start, end) -> stackedRows(ws, starts, int8, qa, x, xOff, outs, outOffs, start, end));
    }

    /**
     * Rows {@code [start, end)} of the matrices {@code ws} stacked on top of each other (matrix m
     * holds the stacked rows {@code [starts[m], starts[m + 1])}), on the calling thread, with the same
     * row kernels as {@link #matVec}: row r of matrix m goes to {@code outs[m][outOffs[m] + r]},
     * computed from {@code qa} where {@code int8[m]} and from {@code x[xOff ..]} otherwise. One chunk
     * of {@link #matVecs} and of the decode's fused products.
     */
    public static void stackedRows(WeightMatrix[] ws, int[] starts, boolean[] int8, QuantizedActivations qa, float[] x, int xOff,
            float[][] outs, int[] outOffs, int start, int end) {
        for (int m = 0; m < ws.length && starts[m] < end; m++) {
            int s = Math.max(start, starts[m]) - starts[m];
            int e = Math.min(end, starts[m + 1]) - starts[m];
            if (s >= e) {
                continue;
            }
            if (int8[m]) {
                matVecRows(ws[m], qa, outs[m], outOffs[m], s, e);
            } else {
                matVecRows(ws[m], x, xOff, outs[m], outOffs[m], s, e);
            }
        }
    }

    /**
     * {@link #matVec} (float path) for rows {@code [rowStart, rowEnd)} only, on the calling thread:
     * four interleaved quarters ({@link WeightMatrix#dot4}), then the leftover rows one by one.
     */
    public static void matVecRows(WeightMatrix w, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
        int q = (rowEnd - rowStart) / 4;
        for (int i = 0; i < q; i++) {
            w.dot4(rowStart + i, q, x, xOff, out, outOff + rowStart + i);
        }
        for (int r = rowStart + 4 * q; r < rowEnd; r++) {
            out[outOff + r] = w.dot(r, x, xOff);
        }
    }

    /** {@link #matVec} with quantized activations for rows {@code [rowStart, rowEnd)}, on the calling thread. */
    public static void matVecRows(WeightMatrix w, QuantizedActivations a, float[] out, int outOff, int rowStart, int rowEnd) {
        checkQuantized(w, a);
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
        quantizedRows(w, a, out, outOff, rowStart, rowEnd);
    }

    /**
     * Rows {@code [start, end)} as four interleaved quarters ({@link WeightMatrix#dot4}: rows
     * {@code start + i}, {@code + q}, {@code + 2q}, {@code + 3q} together), then the leftover rows
     * one by one.
     */
    private static void quantizedRows(WeightMatrix w, QuantizedActivations a, float[] out, int outOff, int start, int end) {
        int q = (end - start) / 4;
        for (int i = 0; i < q; i++) {
            w.dot4(start + i, q, a, out, outOff + start + i);
        }
        for (int r = start + 4 * q; r < end; r++) {
            out[outOff + r] = w.dot(r, a);
        }
    }

    /**
     * {@code out[t][r] = W[r] . x[t]} for {@code n} tokens: x is {@code [n][cols]}, out is
     * {@code [n][rows]} (both starting at index 0).
     */
    public static void matMul(WorkerPool pool, WeightMatrix w, float[] x, int n, float[] out) {
        Gemm.matMul(pool, w, x, 0, n, out, 0);
    }

    /** {@link #matMul(WorkerPool, WeightMatrix, float[], int, float[])} with array offsets. */
    public static void matMul(WorkerPool pool, WeightMatrix w, float[] x, int xOff, int n, float[] out, int outOff) {
        Gemm.matMul(pool, w, x, xOff, n, out, outOff);
    }

    /**
     * {@link #matMul} of several matrices with the same input and width (q/k/v, gate/up): the
     * activations are packed once and all products run in one parallel region. {@code outs[m]} is
     * {@code [n][ws[m].rows()]}.
     */
    public static void matMuls(WorkerPool pool, WeightMatrix[] ws, float[] x, int n, float[][] outs) {
        Gemm.matMuls(pool, ws, x, 0, n, outs, new int[ws.length]);
    }

    /** Adds {@code bias} (length rows) to each of the {@code n} output rows of width {@code rows}. */
    public static void addBias(float[] out, int n, float[] bias) {
        int rows = bias.length;
        for (int t = 0; t < n; t++) {
            Ops.add(out, t * rows, bias, 0, rows);
        }
    }

    private static void checkVec(WeightMatrix w, float[] x, int xOff, float[] out, int outOff) {
        java.util.Objects.checkFromIndexSize(xOff, w.cols(), x.length);
        java.util.Objects.checkFromIndexSize(outOff, w.rows(), out.length);
    }

    private static void checkQuantized(WeightMatrix w, QuantizedActivations a) {
        if (!w.kernels().supportsQuantizedDot()) {
            throw new UnsupportedOperationException("tensor '" + w.name() + "' has type " + w.type()
                    + ": quantized activations need Q8_0 or Q4_0 weights");
        }
        if (a.length() != w.cols()) {
            throw new IllegalArgumentException("tensor '" + w.name() + "' has " + w.cols() + " columns but the quantized activations hold "
                    + a.length() + " values");
        }
    }
}
