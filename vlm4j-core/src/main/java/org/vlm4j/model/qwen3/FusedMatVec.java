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
 */
final class FusedMatVec implements WorkerPool.ChunkTask {
    private static final int GRAIN = 16;

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

    /**
     * {@code outs[i][outOffs[i] + r] = mats[i][r] . x[xOff ..]} for every matrix i and row r; every
     * matrix must have the same number of columns.
     */
    void run(WorkerPool pool, WeightMatrix[] mats, float[][] outs, int[] outOffs, float[] x, int xOff) {
        if (int8.length < mats.length) {
            int8 = new boolean[mats.length];
            starts = new int[mats.length + 1];
        }
        int rows = 0;
        boolean any = false;
        for (int i = 0; i < mats.length; i++) {
            starts[i] = rows;
            rows += mats[i].rows();
            int8[i] = MatOps.usesQuantizedActivations(mats[i]);
            any |= int8[i];
        }
        starts[mats.length] = rows;
        this.mats = mats;
        this.outs = outs;
        this.outOffs = outOffs;
        this.x = x;
        this.xOff = xOff;
        if (any) {
            qa.quantize(x, xOff, mats[0].cols());
        }
        int target = Math.max(1, pool.threads() * 4);
        int per = (rows + target - 1) / target;
        per = Math.max(GRAIN, (per + GRAIN - 1) / GRAIN * GRAIN);
        this.total = rows;
        this.chunkRows = per;
        int chunks = (rows + per - 1) / per;
        if (chunks <= 1) {
            run(0);
        } else {
            pool.run(chunks, this);
        }
        this.x = null;
    }

    @Override
    public void run(int chunk) {
        int start = chunk * chunkRows;
        MatOps.stackedRows(mats, starts, int8, qa, x, xOff, outs, outOffs, start, Math.min(total, start + chunkRows));
    }
}
