package org.vlm4j.model.qwen3;

import org.vlm4j.tensor.MatOps;
import org.vlm4j.tensor.QuantizedActivations;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/**
 * Matrix-vector products of several matrices that read the same input vector, run as ONE parallel
 * region over the concatenated row space (q/k/v, or gate/up). During decode each region costs a
 * wake-up and a barrier, so fusing cuts 7 regions per layer to 4. A reusable task object: calling
 * {@link #run} allocates nothing. Not thread-safe (one per sequence state).
 *
 * <p>When a matrix takes the int8 path ({@link MatOps#usesQuantizedActivations}), the input is
 * quantized once per region and shared by all its matrices.
 *
 * <p>A {@link RowHook} runs on the worker right after each chunk's rows, so that per-row work that
 * follows a product (q/k norms, RoPE and the KV store after q/k/v; SwiGLU after gate/up) is done in
 * parallel while the chunk's outputs are still in that core's cache, instead of serially on the
 * calling thread between two regions.
 */
final class FusedMatVec implements WorkerPool.ChunkTask {
    private static final int GRAIN = 16;

    /** Work on rows whose products are complete; called once per chunk, concurrently for disjoint rows. */
    interface RowHook {
        void rowsDone(int start, int end);
    }

    private WeightMatrix[] mats;
    private float[][] outs;
    private int[] outOffs;
    private float[] x;
    private int xOff;
    private int total;
    private int chunkRows;
    private final QuantizedActivations qa = new QuantizedActivations(0);
    private boolean[] int8 = new boolean[0];
    /** Matrix i holds the stacked rows {@code [starts[i], starts[i + 1])}. */
    private int[] starts = new int[1];
    private RowHook hook;
    /** Paired mode: chunk rows {@code [s, e)} mean rows {@code [s, e)} of both matrices. */
    private boolean paired;

    /**
     * {@code outs[i][outOffs[i] + r] = mats[i][r] . x[xOff ..]} for every matrix i and row r; every
     * matrix must have the same number of columns.
     */
    void run(WorkerPool pool, WeightMatrix[] mats, float[][] outs, int[] outOffs, float[] x, int xOff) {
        run(pool, mats, outs, outOffs, x, xOff, GRAIN, false, null);
    }

    /**
     * {@link #run} over the stacked rows, in chunks whose bounds are multiples of {@code align};
     * {@code hook.rowsDone(start, end)} gets each chunk's stacked rows once they are computed.
     */
    void runStacked(WorkerPool pool, WeightMatrix[] mats, float[][] outs, int[] outOffs, float[] x, int xOff, int align,
            RowHook hook) {
        run(pool, mats, outs, outOffs, x, xOff, align, false, hook);
    }

    /**
     * {@link #run} for two matrices of the same shape, chunked over their common rows: a chunk
     * computes rows {@code [start, end)} of both, then calls {@code hook.rowsDone(start, end)}.
     */
    void runPaired(WorkerPool pool, WeightMatrix[] pair, float[][] outs, int[] outOffs, float[] x, int xOff, RowHook hook) {
        if (pair.length != 2 || pair[0].rows() != pair[1].rows()) {
            throw new IllegalArgumentException("a pair is two matrices with the same number of rows");
        }
        run(pool, pair, outs, outOffs, x, xOff, GRAIN, true, hook);
    }

    private void run(WorkerPool pool, WeightMatrix[] mats, float[][] outs, int[] outOffs, float[] x, int xOff, int align,
            boolean paired, RowHook hook) {
        if (int8.length < mats.length) {
            int8 = new boolean[mats.length];
            starts = new int[mats.length + 1];
        }
        int rows = 0;
        boolean any = false;
        boolean nibbleTerms = false;
        for (int i = 0; i < mats.length; i++) {
            starts[i] = rows;
            rows += mats[i].rows();
            int8[i] = MatOps.usesQuantizedActivations(mats[i]);
            any |= int8[i];
            nibbleTerms |= MatOps.usesNibbleTerms(mats[i]);
        }
        starts[mats.length] = rows;
        this.mats = mats;
        this.outs = outs;
        this.outOffs = outOffs;
        this.x = x;
        this.xOff = xOff;
        this.paired = paired;
        this.hook = hook;
        if (any) {
            qa.quantize(x, xOff, mats[0].cols(), nibbleTerms);
        }
        int span = paired ? mats[0].rows() : rows; // the row space the chunks divide
        int target = Math.max(1, pool.threads() * 4);
        int per = (span + target - 1) / target;
        per = Math.max(align, (per + align - 1) / align * align);
        this.total = span;
        this.chunkRows = per;
        int chunks = (span + per - 1) / per;
        if (chunks <= 1) {
            run(0);
        } else {
            pool.run(chunks, this);
        }
        this.x = null;
        this.hook = null;
    }

    @Override
    public void run(int chunk) {
        int start = chunk * chunkRows;
        int end = Math.min(total, start + chunkRows);
        MatOps.stackedRows(mats, starts, int8, qa, x, xOff, outs, outOffs, start, end);
        if (paired) {
            MatOps.stackedRows(mats, starts, int8, qa, x, xOff, outs, outOffs, total + start, total + end);
        }
        if (hook != null) {
            hook.rowsDone(start, end);
        }
    }
}
