package org.vlm4j.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Cache-blocked, register-tiled matrix product of a weight matrix with many tokens (prefill,
 * vision encoder): {@code out[t][r] = W[r] . x[t]}.
 *
 * <p>First the activations are packed once per product, per tile of {@link GemmVectors#NR} tokens
 * and k-major ({@code xp[tile][k][NR]}), so that the micro-kernel reads one contiguous stream for
 * its tokens instead of {@code NR} strided rows (measured on Zen3: 100 -> 160 GFLOP/s on two
 * cores for a 4096x1024 F16 matrix and 1025 tokens). Then work is split into chunks of (row block
 * of {@code MR} weight rows, token block). A chunk dequantizes its rows once into a thread-local
 * f32 panel (packed transposed for the micro-kernel, see {@link GemmVectors}) and multiplies it with
 * every token of its block, so the conversion cost of F16/BF16/Q8_0/Q4_0 weights is paid once per
 * row block instead of once per token. Consecutive chunks of the same row block on one thread reuse
 * the panel.
 *
 * <p>Quantized weights take the float route here (dequantized weights x f32 activations): the
 * product is compute-bound, and 8 FMA lanes per instruction beat the 16-bit integer
 * formulation, which needs several instructions per 16 products.
 */
final class Gemm {
    private Gemm() {}

    /** Below this many tokens the per-token matrix-vector path is used. */
    static final int MIN_TOKENS = 4;

    private static final AtomicLong CALLS = new AtomicLong();

    /** Per-thread scratch; reused across calls, grown on demand, never shrunk. */
    private static final class Scratch {
        float[] panel = new float[0];
        /** {@code MR} dequantized weight rows, row-major, before the transpose into {@code panel}. */
        float[] rows = new float[0];
        float[] tile = new float[GemmVectors.NR * GemmVectors.MR];
        long call = -1;
        /** Row block (numbered across all matrices of the call) held in {@code panel}. */
        int rowBlock = -1;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static void matMul(WorkerPool pool, WeightMatrix w, float[] x, int xOff, int n, float[] out, int outOff) {
        matMuls(pool, new WeightMatrix[] {w}, x, xOff, n, new float[][] {out}, new int[] {outOff});
    }

    /**
     * {@code outs[m][outOffs[m] + t * rows_m + r] = ws[m][r] . x[xOff + t * cols]} for every matrix
     * {@code m} (all with the same {@code cols}): one packing of the activations and one parallel
     * region for all of them (q/k/v, gate/up).
     */
    static void matMuls(WorkerPool pool, WeightMatrix[] ws, float[] x, int xOff, int n, float[][] outs, int[] outOffs) {
        if (ws.length == 0 || ws.length != outs.length || ws.length != outOffs.length) {
            throw new IllegalArgumentException(ws.length + " matrices, " + outs.length + " outputs, " + outOffs.length + " offsets");
        }
        int cols = ws[0].cols();
        if (n <= 0) {
            return;
        }
        java.util.Objects.checkFromIndexSize(xOff, Math.multiplyExact(n, cols), x.length);
        for (int m = 0; m < ws.length; m++) {
            WeightMatrix w = ws[m];
            if (w.cols() != cols) {
                throw new IllegalArgumentException("matrices " + ws[0].name() + " and " + w.name() + " have different widths");
            }
            java.util.Objects.checkFromIndexSize(outOffs[m], Math.multiplyExact(n, w.rows()), outs[m].length);
        }
        if (!Simd.ENABLED || n < MIN_TOKENS) {
            for (int m = 0; m < ws.length; m++) {
                WeightMatrix w = ws[m];
                int rows = w.rows();
                float[] out = outs[m];
                int outOff = outOffs[m];
                pool.forRange(rows, MatOps.MATVEC_GRAIN, (start, end) -> {
                    for (int r = start; r < end; r++) {
                        for (int t = 0; t < n; t++) {
                            out[outOff + t * rows + r] = w.dot(r, x, xOff + t * cols);
                        }
                    }
                });
            }
            return;
        }
        int mr = GemmVectors.MR; // GemmVectors is only loaded when Simd.ENABLED
        int nr = GemmVectors.NR;
        int[] firstBlock = new int[ws.length + 1];
        for (int m = 0; m < ws.length; m++) {
            firstBlock[m + 1] = firstBlock[m] + (ws[m].rows() + mr - 1) / mr;
        }
        int rowBlocks = firstBlock[ws.length];
        int target = 4 * pool.threads();
        int tokenBlocks = 1;
        if (rowBlocks < target) {
            tokenBlocks = Math.min((target + rowBlocks - 1) / rowBlocks, (n + nr - 1) / nr);
        }
        int tb = ((n + tokenBlocks - 1) / tokenBlocks + nr - 1) / nr * nr;
        int tBlocks = (n + tb - 1) / tb;
        long call = CALLS.incrementAndGet();
        // activations of every full NR-token tile packed k-major ([tile][k][NR]): one contiguous stream per tile
        int fullTiles = n / nr;
        float[] xp = packed(fullTiles * nr * cols);
        pool.forRange(fullTiles, 4, (a, b) -> {
            for (int tile = a; tile < b; tile++) {
                int dst = tile * nr * cols;
                int src = xOff + tile * nr * cols;
                GemmVectors.packTile(x, src, cols, xp, dst);
            }
        });
        pool.run(rowBlocks * tBlocks, c -> {
            int g = c / tBlocks;
            int m = 0;
            while (firstBlock[m + 1] <= g) {
                m++;
            }
            WeightMatrix w = ws[m];
            int rows = w.rows();
            float[] out = outs[m];
            int outOff = outOffs[m];
            int t0 = (c % tBlocks) * tb;
            int t1 = Math.min(n, t0 + tb);
            Scratch s = SCRATCH.get();
            int r0 = (g - firstBlock[m]) * mr;
            if (s.call != call || s.rowBlock != g) {
                pack(w, r0, mr, s);
                s.call = call;
                s.rowBlock = g;
            }
            float[] panel = s.panel;
            if (r0 + mr <= rows) {
                int t = t0;
                for (; t + nr <= t1; t += nr) {
                    GemmVectors.kernelPacked(panel, cols, xp, t * cols, out, outOff + t * rows + r0, rows);
                }
                for (; t < t1; t++) {
                    GemmVectors.kernel1(panel, cols, x, xOff + t * cols, out, outOff + t * rows + r0);
                }
            } else {
                // last, partial row block: compute full tiles into scratch, copy the valid rows
                int valid = rows - r0;
                float[] tile = s.tile;
                int t = t0;
                for (; t < t1; t += nr) {
                    int cnt = Math.min(nr, t1 - t);
                    if (cnt == nr) {
                        GemmVectors.kernelPacked(panel, cols, xp, t * cols, tile, 0, mr);
                    } else {
                        for (int j = 0; j < cnt; j++) {
                            GemmVectors.kernel1(panel, cols, x, xOff + (t + j) * cols, tile, j * mr);
                        }
                    }
                    for (int j = 0; j < cnt; j++) {
                        System.arraycopy(tile, j * mr, out, outOff + (t + j) * rows + r0, valid);
                    }
                }
            }
        });
    }

    /**
     * Packed activations, per calling thread (workers only read them while the caller waits in
     * {@link WorkerPool#run}); grown on demand, never shrunk.
     */
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private static float[] packed(int size) {
        float[][] holder = PACKED.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    /**
     * Dequantizes rows {@code [r0, r0+mr)} (zeros past the end) into {@code s.panel}, transposed:
     * first row-major into {@code s.rows}, then 4 x 4 in-register transposes
     * ({@link GemmVectors#transposePanel}; a scalar strided scatter measured 3x slower).
     */
    private static void pack(WeightMatrix w, int r0, int mr, Scratch s) {
        int cols = w.cols();
        if (s.panel.length < cols * mr) {
            s.panel = new float[cols * mr];
        }
        if (s.rows.length < cols * mr) {
            s.rows = new float[cols * mr];
        }
        float[] rows = s.rows;
        for (int i = 0; i < mr; i++) {
            int r = r0 + i;
            if (r < w.rows()) {
                w.dequantizeRow(r, rows, i * cols);
            } else {
                java.util.Arrays.fill(rows, i * cols, (i + 1) * cols, 0f);
            }
        }
        GemmVectors.transposePanel(rows, cols, s.panel);
    }
}
