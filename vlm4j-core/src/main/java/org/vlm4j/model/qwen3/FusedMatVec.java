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

    /**
     * {@code outs[i][outOffs[i] + r] = mats[i][r] . x[xOff ..]} for every matrix i and row r; every
     * matrix must have the same number of columns.
     */
    void run(WorkerPool pool, WeightMatrix[] mats, float[][] outs, int[] outOffs, float[] x, int xOff) {
        int rows = 0;
        for (WeightMatrix m : mats) {
            rows += m.rows();
        }
        this.mats = mats;
        this.outs = outs;
        this.outOffs = outOffs;
        this.x = x;
        this.xOff = xOff;
        this.total = rows;
        if (int8.length < mats.length) {
            int8 = new boolean[mats.length];
        }
        boolean any = false;
        for (int i = 0; i < mats.length; i++) {
            int8[i] = MatOps.usesQuantizedActivations(mats[i]);
            any |= int8[i];
        }
        if (any) {
            qa.quantize(x, xOff, mats[0].cols());
        }
        int target = Math.max(1, pool.threads() * 4);
        int per = (rows + target - 1) / target;
        per = Math.max(GRAIN, (per + GRAIN - 1) / GRAIN * GRAIN);
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
        int end = Math.min(total, start + chunkRows);
        int base = 0;
        for (int i = 0; i < mats.length && base < end; i++) {
            WeightMatrix m = mats[i];
            int mEnd = base + m.rows();
            int s = Math.max(start, base);
            int e = Math.min(end, mEnd);
            if (s < e) {
                if (int8[i]) {
                    MatOps.matVecRows(m, qa, outs[i], outOffs[i], s - base, e - base);
                } else {
                    MatOps.matVecRows(m, x, xOff, outs[i], outOffs[i], s - base, e - base);
                }
            }
            base = mEnd;
        }
    }
}
