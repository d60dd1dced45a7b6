package org.vlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.vlm4j.gguf.GgmlType;

/**
 * A compact fast-vs-reference check of every kernel, run by {@link VectorWidthTest} in child JVMs
 * with other vector widths ({@code -Dvlm4j.vector.bits=128/512/0}) and without the incubator
 * module. Prints the backend line and "SELF-CHECK OK", or throws. With the argument
 * {@code warm-up} it first runs {@link KernelInfo#warmUp} (twice: the second must be a no-op).
 */
public final class KernelSelfCheck {
    private KernelSelfCheck() {}

    private static void near(double want, double got, double tol, String what) {
        if (!(Math.abs(want - got) <= tol)) {
            throw new AssertionError(what + ": want " + want + " got " + got + " (tol " + tol + ")");
        }
    }

    public static void main(String[] args) {
        System.out.println(KernelInfo.describe(WorkerPool.shared()));
        if (args.length > 0 && args[0].equals("warm-up")) {
            KernelInfo.warmUp(WorkerPool.shared());
            long t0 = System.nanoTime();
            KernelInfo.warmUp(WorkerPool.shared());
            if (System.nanoTime() - t0 > 50_000_000L) {
                throw new AssertionError("second warmUp call did not return at once");
            }
            System.out.println("warm-up done");
        }
        SplittableRandom r = new SplittableRandom(1);
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            int cols = type.isQuantized() ? 96 : 101;
            int rows = 21;
            WeightMatrix w = WeightMatrix.of("w", type, TestData.randomWeights(r, type, rows, cols, 1), rows, cols);
            TypeKernels k = w.kernels();
            float[] x = TestData.gaussian(r, 7 * cols, 1.0);
            for (int row = 0; row < rows; row++) {
                long off = row * w.rowBytes();
                near(k.dotReference(w.data(), off, x, 0, cols), k.dot(w.data(), off, x, 0, cols), 1e-5 * TestData.absDot(w, row, x, 0), type + " dot");
                float[] a = new float[cols];
                float[] b = new float[cols];
                k.dequantize(w.data(), off, a, 0, cols);
                k.dequantizeReference(w.data(), off, b, 0, cols);
                for (int i = 0; i < cols; i++) {
                    near(b[i], a[i], 0, type + " dequantize");
                }
                if (k.supportsQuantizedDot()) {
                    QuantizedActivations qa = new QuantizedActivations(cols).quantize(x, 0, cols);
                    near(k.dotQuantizedReference(w.data(), off, qa, 0, cols), k.dotQuantized(w.data(), off, qa, 0, cols),
                            1e-5 * TestData.absDot(w, row, x, 0), type + " int8 dot");
                }
            }
            if (k.supportsQuantizedDot() && Simd.ENABLED) { // four rows at once: each row's bits as one row's
                QuantizedActivations qa = new QuantizedActivations(cols).quantize(x, 0, cols);
                float[] four = new float[8];
                k.dotQuantized4(w.data(), 3 * w.rowBytes(), 5 * w.rowBytes(), qa, 0, cols, four, 1, 2);
                for (int i = 0; i < 4; i++) {
                    near(k.dotQuantized(w.data(), (3 + 5L * i) * w.rowBytes(), qa, 0, cols), four[1 + 2 * i], 0, type + " four-row int8 dot, row " + i);
                }
            }
            if (!type.isQuantized()) { // four rows at once (F16, BF16): each row's bits as one row's
                float[] four = new float[8];
                k.dot4(w.data(), 3 * w.rowBytes(), 5 * w.rowBytes(), x, 0, cols, four, 1, 2);
                for (int i = 0; i < 4; i++) {
                    near(k.dot(w.data(), (3 + 5L * i) * w.rowBytes(), x, 0, cols), four[1 + 2 * i], 0, type + " four-row dot, row " + i);
                }
            }
            { // matVec: the four-row kernels (F16, BF16, int8 Q8_0 and Q4_0) and the one-row rest
                float[] mv = new float[rows];
                MatOps.matVec(WorkerPool.shared(), w, x, 0, mv, 0);
                QuantizedActivations qa = MatOps.usesQuantizedActivations(w) ? new QuantizedActivations(cols).quantize(x, 0, cols) : null;
                for (int row = 0; row < rows; row++) {
                    long off = row * w.rowBytes();
                    double want = qa != null ? k.dotQuantizedReference(w.data(), off, qa, 0, cols)
                            : k.dotReference(w.data(), off, x, 0, cols);
                    near(want, mv[row], 1e-5 * TestData.absDot(w, row, x, 0), type + " matVec");
                }
            }
            float[] out = new float[7 * rows];
            MatOps.matMul(WorkerPool.shared(), w, x, 7, out);
            for (int t = 0; t < 7; t++) {
                for (int row = 0; row < rows; row++) {
                    near(k.dotReference(w.data(), row * w.rowBytes(), x, t * cols, cols), out[t * rows + row],
                            1e-5 * TestData.absDot(w, row, x, t * cols), type + " matMul");
                }
            }
        }
        int n = 37;
        float[] x = TestData.gaussian(r, n, 2.0);
        float[] w = TestData.gaussian(r, n, 1.0);
        float[] a = new float[n];
        float[] b = new float[n];
        Ops.rmsNorm(a, 0, x, 0, w, 0, n, 1e-6f);
        OpsReference.rmsNorm(b, 0, x, 0, w, 0, n, 1e-6f);
        for (int i = 0; i < n; i++) {
            near(b[i], a[i], 1e-5 * Math.abs(b[i]) + 1e-6, "rmsNorm");
        }
        a = x.clone();
        b = x.clone();
        Ops.softmax(a, 0, n);
        OpsReference.softmax(b, 0, n);
        Ops.geluErf(x, 0, n);
        for (int i = 0; i < n; i++) {
            near(b[i], a[i], 1e-5 * b[i] + 1e-9, "softmax");
        }
        near(OpsReference.dot(w, 0, b, 0, n), Ops.dot(w, 0, b, 0, n), 1e-5, "dot");
        MemorySegment q = MemorySegment.ofArray(new byte[34]);
        Quantizer.quantizeQ8_0(new float[32], 0, 32, q, 0);
        System.out.println("SELF-CHECK OK");
    }
}
