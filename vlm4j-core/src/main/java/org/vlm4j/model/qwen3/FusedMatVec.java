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
    /** Smallest chunk: 32 rows of a 1024-wide Q8_0 matrix are 35 KB, a few microseconds of work. */
    private static final int MIN_CHUNK = 32;

    private WeightMatrix[] mats;
    private float[][] outs;
    private int[] outOffs;
    private float[] x;
    private int xOff;
    /** Chunk boundaries of the current region: chunk c is rows {@code [bounds[c], bounds[c+1])}. */
    private int[] bounds;
    /** Boundaries already computed, per (rows, threads): a handful of distinct shapes per model. */
    private final int[][] boundsCache = new int[8][];
    private final int[] cachedRows = new int[8];
    private final int[] cachedThreads = new int[8];
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
        int[] b = bounds(rows, pool.threads());
        this.bounds = b;
        int chunks = b.length - 1;
        if (chunks <= 1) {
            run(0);
        } else {
            pool.run(chunks, this);
        }
        this.x = null;
    }

    /**
     * Guided chunking: chunks shrink from {@code rows / (2 threads)} to {@link #MIN_CHUNK} rows, so
     * that the threads, taking chunks in order, finish within a small chunk of each other. With equal
     * chunks of 1/(4 threads), JFR found the threads waiting for each other in 16% of decode samples
     * on two cores; with these, 13%.
     */
    private int[] bounds(int rows, int threads) {
        for (int i = 0; i < boundsCache.length && boundsCache[i] != null; i++) {
            if (cachedRows[i] == rows && cachedThreads[i] == threads) {
                return boundsCache[i];
            }
        }
        int[] b = guidedBounds(rows, threads);
        int slot = 0;
        while (slot < boundsCache.length - 1 && boundsCache[slot] != null) {
            slot++;
        }
        boundsCache[slot] = b;
        cachedRows[slot] = rows;
        cachedThreads[slot] = threads;
        return b;
    }

    /** Chunk boundaries for {@code rows} rows: sizes multiples of {@link #GRAIN}, decreasing. */
    static int[] guidedBounds(int rows, int threads) {
        int[] b = new int[rows / MIN_CHUNK + 3];
        int n = 0;
        int pos = 0;
        b[n++] = 0;
        while (pos < rows) {
            int left = rows - pos;
            int size = threads <= 1 ? left : Math.max(MIN_CHUNK, (left / (2 * threads) + GRAIN - 1) / GRAIN * GRAIN);
            pos = Math.min(rows, pos + size);
            b[n++] = pos;
        }
        return java.util.Arrays.copyOf(b, n);
    }

    @Override
    public void run(int chunk) {
        int start = bounds[chunk];
        int end = bounds[chunk + 1];
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
