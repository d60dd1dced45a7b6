package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/**
 * The decode's fused matrix-vector regions with row hooks: every row computed as by a plain row
 * dot product (to rounding), the hook called exactly once for every row, only after that row's products are
 * final, with chunk bounds on the requested alignment; on one thread and on several.
 */
class FusedMatVecTest {

    static WeightMatrix matrix(SplittableRandom r, String name, int rows, int cols) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return WeightMatrix.ofFloats(name, w, rows, cols);
    }

    static float[] vector(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /**
     * The same row kernel, but the expected value may be computed in another JIT state (interpreted
     * or compiled), whose vector sums can differ in the last bits.
     */
    static float close(float want) {
        return 1e-5f * Math.max(1f, Math.abs(want));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void stackedRowsRunTheHookOncePerAlignedChunk(int threads) {
        SplittableRandom r = new SplittableRandom(threads);
        int cols = 64;
        int align = 24;
        WeightMatrix[] mats = {matrix(r, "q", 96, cols), matrix(r, "k", 48, cols), matrix(r, "v", 72, cols)};
        float[][] outs = {new float[96 + 5], new float[48], new float[72]};
        int[] offs = {5, 0, 0};
        float[] x = vector(r, cols + 3);
        int total = 96 + 48 + 72;
        AtomicIntegerArray seen = new AtomicIntegerArray(total);
        try (WorkerPool pool = WorkerPool.create(threads)) {
            FusedMatVec f = new FusedMatVec();
            for (int rep = 0; rep < 3; rep++) { // the task object is reused
                for (int i = 0; i < total; i++) {
                    seen.set(i, 0);
                }
                f.runStacked(pool, mats, outs, offs, x, 3, align, (s, e) -> {
                    assertEquals(0, s % align, "chunk start " + s);
                    assertTrue(e == total || e % align == 0, "chunk end " + e);
                    for (int row = s; row < e; row++) {
                        seen.incrementAndGet(row);
                    }
                });
                for (int i = 0; i < total; i++) {
                    assertEquals(1, seen.get(i), "hook calls for stacked row " + i);
                }
                for (int m = 0; m < mats.length; m++) {
                    for (int row = 0; row < mats[m].rows(); row++) {
                        float want = mats[m].dot(row, x, 3);
                        assertEquals(want, outs[m][offs[m] + row], close(want), "matrix " + m + " row " + row);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void pairedRowsAreBothFinalWhenTheHookSeesThem(int threads) {
        SplittableRandom r = new SplittableRandom(10 + threads);
        int cols = 32;
        int rows = 200;
        WeightMatrix[] pair = {matrix(r, "gate", rows, cols), matrix(r, "up", rows, cols)};
        float[] x = vector(r, cols);
        float[] want0 = new float[rows];
        float[] want1 = new float[rows];
        for (int row = 0; row < rows; row++) {
            want0[row] = pair[0].dot(row, x, 0);
            want1[row] = pair[1].dot(row, x, 0);
        }
        float[][] outs = {new float[rows], new float[rows]};
        float[] product = new float[rows];
        AtomicIntegerArray seen = new AtomicIntegerArray(rows);
        try (WorkerPool pool = WorkerPool.create(threads)) {
            new FusedMatVec().runPaired(pool, pair, outs, new int[2], x, 0, (s, e) -> {
                for (int row = s; row < e; row++) {
                    seen.incrementAndGet(row);
                    product[row] = outs[0][row] * outs[1][row]; // what SwiGLU does: both rows must be done
                }
            });
        }
        for (int row = 0; row < rows; row++) {
            assertEquals(1, seen.get(row), "hook calls for row " + row);
            float want = want0[row] * want1[row];
            assertEquals(want, product[row], 10 * close(want), "row " + row + " was read before it was computed");
        }
    }

    @Test
    void aPairMustHaveTwoMatricesOfTheSameHeight() {
        SplittableRandom r = new SplittableRandom(3);
        try (WorkerPool pool = WorkerPool.create(1)) {
            WeightMatrix[] bad = {matrix(r, "a", 10, 32), matrix(r, "b", 12, 32)};
            assertThrows(IllegalArgumentException.class,
                    () -> new FusedMatVec().runPaired(pool, bad, new float[][] {new float[10], new float[12]}, new int[2],
                            new float[32], 0, (s, e) -> { }));
        }
    }
}
