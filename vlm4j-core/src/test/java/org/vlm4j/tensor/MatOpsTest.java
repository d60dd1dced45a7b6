package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vlm4j.gguf.GgmlType;

/** matVec / matVecs / tiled matMul against per-row scalar references. */
class MatOpsTest {
    private static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = WorkerPool.create(3);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void matMulEqualsPerTokenDotsForAllShapes(GgmlType type) {
        SplittableRandom r = new SplittableRandom(17 + type.ordinal());
        int[] colsList = type.isQuantized() ? new int[] {32, 96, 320} : new int[] {7, 32, 300, 588};
        int[] rowsList = {1, 5, 16, 17, 33, 70};
        int[] tokensList = {1, 3, 4, 6, 7, 13, 25};
        for (int cols : colsList) {
            for (int rows : rowsList) {
                WeightMatrix w = WeightMatrix.of("w", type, TestData.randomWeights(r, type, rows, cols, 1), rows, cols);
                for (int n : tokensList) {
                    float[] x = TestData.gaussian(r, n * cols + 3, 1.0);
                    float[] out = new float[n * rows + 5];
                    java.util.Arrays.fill(out, Float.NaN);
                    MatOps.matMul(pool, w, x, 3, n, out, 2);
                    for (int t = 0; t < n; t++) {
                        for (int row = 0; row < rows; row++) {
                            float want = w.kernels().dotReference(w.data(), row * w.rowBytes(), x, 3 + t * cols, cols);
                            double tol = 1e-5 * TestData.absDot(w, row, x, 3 + t * cols) + 1e-6;
                            assertEquals(want, out[2 + t * rows + row], tol,
                                    type + " " + rows + "x" + cols + " n=" + n + " t=" + t + " row=" + row);
                        }
                    }
                    assertEquals(Float.NaN, out[0]);
                    assertEquals(Float.NaN, out[1]);
                    assertEquals(Float.NaN, out[2 + n * rows]);
                }
            }
        }
    }

    @Test
    void largeMatMulSplitsRowAndTokenBlocks() {
        SplittableRandom r = new SplittableRandom(99);
        int rows = 40;
        int cols = 600; // not a multiple of any vector width
        int n = 30;
        WeightMatrix w = WeightMatrix.of("w", GgmlType.F16, TestData.randomWeights(r, GgmlType.F16, rows, cols, 0), rows, cols);
        float[] x = TestData.gaussian(r, n * cols, 1.0);
        float[] out = new float[n * rows];
        MatOps.matMul(pool, w, x, n, out);
        float[] one = new float[rows];
        for (int t = 0; t < n; t++) {
            MatOps.matVec(pool, w, x, t * cols, one, 0);
            for (int row = 0; row < rows; row++) {
                assertEquals(one[row], out[t * rows + row], 1e-5 * TestData.absDot(w, row, x, t * cols), "t=" + t + " row=" + row);
            }
        }
    }

    /** Rows go through the four-row kernel in quarters plus a tail: every range must give the single-row values (to rounding). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void quantizedMatVecRowsEqualSingleRowDots(GgmlType type) {
        SplittableRandom r = new SplittableRandom(8);
        int cols = 64;
        int rows = 23;
        WeightMatrix w = WeightMatrix.of("w", type, TestData.randomWeights(r, type, rows, cols, 0), rows, cols);
        QuantizedActivations qa = new QuantizedActivations(cols).quantize(TestData.gaussian(r, cols, 1.0), 0, cols);
        for (int start = 0; start < rows; start++) {
            for (int end = start; end <= rows; end++) {
                float[] out = new float[rows + 2];
                MatOps.matVecRows(w, qa, out, 2, start, end);
                for (int row = 0; row < rows; row++) {
                    float want = row >= start && row < end ? w.dot(row, qa) : 0f;
                    assertEquals(want, out[2 + row], 1e-5f * (1f + Math.abs(want)), type + " rows [" + start + ", " + end + ") row " + row);
                }
            }
        }
        float[] all = new float[rows];
        MatOps.matVec(pool, w, qa, all, 0);
        for (int row = 0; row < rows; row++) {
            float want = w.dot(row, qa);
            assertEquals(want, all[row], 1e-5f * (1f + Math.abs(want)), type + " matVec row " + row);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> MatOps.matVecRows(w, qa, new float[rows], 0, 20, rows + 1));
    }

    /** The float path also reads quarters of a range four rows at a time (F16, BF16), with a tail of single rows. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void floatMatVecRowsEqualSingleRowDots(GgmlType type) {
        SplittableRandom r = new SplittableRandom(18);
        for (int cols : new int[] {64, 67}) { // 67: a scalar tail after the vector steps of every width
            int rows = 23;
            WeightMatrix w = WeightMatrix.of("w", type, TestData.randomWeights(r, type, rows, cols, 0), rows, cols);
            float[] x = TestData.gaussian(r, cols + 3, 1.0);
            for (int start = 0; start < rows; start++) {
                for (int end = start; end <= rows; end++) {
                    float[] out = new float[rows + 2];
                    MatOps.matVecRows(w, x, 3, out, 2, start, end);
                    for (int row = 0; row < rows; row++) {
                        float want = row >= start && row < end ? w.dot(row, x, 3) : 0f;
                        assertEquals(want, out[2 + row], 1e-5 * TestData.absDot(w, row, x, 3) + 1e-6,
                                type + " cols " + cols + " rows [" + start + ", " + end + ") row " + row);
                    }
                }
            }
            float[] all = new float[rows];
            MatOps.matVec(pool, w, x, 3, all, 0);
            for (int row = 0; row < rows; row++) {
                float want = w.kernels().dotReference(w.data(), row * w.rowBytes(), x, 3, cols);
                assertEquals(want, all[row], 1e-5 * TestData.absDot(w, row, x, 3) + 1e-6, type + " matVec row " + row);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> MatOps.matVecRows(w, x, 3, new float[rows], 0, 20, rows + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> w.dot4(0, 1, x, 4, new float[4], 0));
            assertThrows(IndexOutOfBoundsException.class, () -> w.dot4(rows - 6, 2, x, 0, new float[8], 0));
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void matVecUsesTheSelectedPath(GgmlType type) {
        SplittableRandom r = new SplittableRandom(5);
        int rows = 77;
        int cols = 256;
        WeightMatrix w = WeightMatrix.of("w", type, TestData.randomWeights(r, type, rows, cols, 0), rows, cols);
        float[] x = TestData.gaussian(r, cols + 1, 1.0);
        float[] out = new float[rows];
        MatOps.matVec(pool, w, x, 1, out, 0);
        boolean q = MatOps.usesQuantizedActivations(w);
        assertEquals(type.isQuantized() && KernelInfo.quantizedDot(type) == KernelInfo.QuantizedDot.INT8, q);
        QuantizedActivations qa = q ? new QuantizedActivations(cols).quantize(x, 1, cols) : null;
        for (int row = 0; row < rows; row++) {
            float want = q ? w.kernels().dotQuantizedReference(w.data(), row * w.rowBytes(), qa, 0, cols)
                    : w.kernels().dotReference(w.data(), row * w.rowBytes(), x, 1, cols);
            assertEquals(want, out[row], 1e-5 * TestData.absDot(w, row, x, 1) + 1e-6, type + " row " + row);
        }
    }

    @Test
    void matVecsFusesSeveralMatricesWithOneInput() {
        SplittableRandom r = new SplittableRandom(8);
        int cols = 128;
        WeightMatrix a = WeightMatrix.of("q", GgmlType.Q8_0, TestData.randomWeights(r, GgmlType.Q8_0, 50, cols, 0), 50, cols);
        WeightMatrix b = WeightMatrix.of("k", GgmlType.F16, TestData.randomWeights(r, GgmlType.F16, 3, cols, 0), 3, cols);
        WeightMatrix c = WeightMatrix.of("v", GgmlType.Q4_0, TestData.randomWeights(r, GgmlType.Q4_0, 20, cols, 0), 20, cols);
        float[] x = TestData.gaussian(r, cols, 1.0);
        float[][] outs = {new float[50], new float[3], new float[20]};
        MatOps.matVecs(pool, x, 0, new WeightMatrix[] {a, b, c}, outs);
        WeightMatrix[] ws = {a, b, c};
        for (int m = 0; m < 3; m++) {
            float[] want = new float[ws[m].rows()];
            MatOps.matVec(pool, ws[m], x, 0, want, 0);
            assertSameDots(want, outs[m], ws[m].name());
        }
        assertThrows(IllegalArgumentException.class, () -> MatOps.matVecs(pool, x, 0, new WeightMatrix[] {a}, new float[2][]));
    }

    @Test
    void matMulsEqualsOneMatMulPerMatrix() {
        SplittableRandom r = new SplittableRandom(12);
        int cols = 96;
        // row counts around the 16-row tile, mixed types, one matrix smaller than a tile
        WeightMatrix a = WeightMatrix.of("q", GgmlType.Q8_0, TestData.randomWeights(r, GgmlType.Q8_0, 50, cols, 0), 50, cols);
        WeightMatrix b = WeightMatrix.of("k", GgmlType.F16, TestData.randomWeights(r, GgmlType.F16, 3, cols, 0), 3, cols);
        WeightMatrix c = WeightMatrix.of("v", GgmlType.F32, TestData.randomWeights(r, GgmlType.F32, 32, cols, 0), 32, cols);
        WeightMatrix[] ws = {a, b, c};
        for (int n : new int[] {1, 3, 4, 9, 41}) {
            float[] x = TestData.gaussian(r, n * cols, 1.0);
            float[][] outs = {new float[n * 50], new float[n * 3], new float[n * 32]};
            MatOps.matMuls(pool, ws, x, n, outs);
            for (int m = 0; m < ws.length; m++) {
                float[] want = new float[n * ws[m].rows()];
                MatOps.matMul(pool, ws[m], x, n, want);
                assertSameDots(want, outs[m], ws[m].name() + " n=" + n);
            }
        }
        WeightMatrix wide = WeightMatrix.of("wide", GgmlType.F32, TestData.randomWeights(r, GgmlType.F32, 4, 2 * cols, 0), 4, 2 * cols);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatOps.matMuls(pool, new WeightMatrix[] {a, wide}, new float[8 * cols], 8, new float[][] {new float[8 * 50], new float[8 * 4]}));
        assertEquals("matrices q and wide have different widths", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MatOps.matMuls(pool, ws, new float[cols], 1, new float[2][]));
        assertThrows(IndexOutOfBoundsException.class,
                () -> MatOps.matMuls(pool, ws, new float[4 * cols], 4, new float[][] {new float[4 * 50], new float[4 * 3], new float[31]}));
    }

    @Test
    void quantizedMatVecRejectsWrongTypeOrLength() {
        SplittableRandom r = new SplittableRandom(2);
        WeightMatrix f = WeightMatrix.of("f", GgmlType.F16, TestData.randomWeights(r, GgmlType.F16, 4, 64, 0), 4, 64);
        WeightMatrix q = WeightMatrix.of("q", GgmlType.Q8_0, TestData.randomWeights(r, GgmlType.Q8_0, 4, 64, 0), 4, 64);
        QuantizedActivations qa32 = new QuantizedActivations(32).quantize(new float[32], 0, 32);
        assertThrows(UnsupportedOperationException.class, () -> MatOps.matVec(pool, f, qa32, new float[4], 0));
        assertThrows(IllegalArgumentException.class, () -> MatOps.matVec(pool, q, qa32, new float[4], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> MatOps.matVec(pool, q, new float[63], 0, new float[4], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> MatOps.matMul(pool, q, new float[64 * 5], 6, new float[4 * 6]));
    }

    @Test
    void ofFloatsAndQuantizerMatricesRoundTrip() {
        float[] v = TestData.gaussian(new SplittableRandom(4), 6 * 64, 1.0);
        WeightMatrix f = WeightMatrix.ofFloats("f", v, 6, 64);
        assertArrayEquals(v, f.toFloatArray());
        WeightMatrix h = Quantizer.toMatrix("h", GgmlType.F16, v, 6, 64);
        float[] back = h.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(v[i])), back[i]);
        }
        MemorySegment data = h.data();
        assertEquals(6 * 64 * 2, data.byteSize());
    }

    /**
     * The same kernels on the same data: equal up to the summation order of {@code reduceLanes},
     * which the Vector API leaves unspecified and which differs between the interpreter's and C2's
     * version of a kernel (a test may run one call before and one after compilation).
     */
    private static void assertSameDots(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5f * (1f + Math.abs(want[i])), what + " [" + i + "]");
        }
    }
}
