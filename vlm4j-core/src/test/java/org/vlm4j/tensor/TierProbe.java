package org.vlm4j.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.vlm4j.gguf.GgmlType;

/**
 * Fingerprints of the vectorised kernels' outputs, computed once in a fresh JVM (so the Vector API
 * runs its Java fallback, interpreted), then again after every kernel has been called often enough
 * for C2 to compile it with the intrinsics. Run by {@link TierDeterminismTest} in a child JVM;
 * writes one line {@code cold NAME HASH} and one {@code hot NAME HASH} per output, where HASH
 * covers the exact bits of every float. Arguments: the number of warm-up rounds and the file to
 * write (not stdout, which the JIT's compilation log shares).
 */
public final class TierProbe {
    private TierProbe() {}

    private record Inputs(List<WeightMatrix> mats, float[] x, float[] xs, QuantizedActivations qa, float[] v, float[] w, float[] b) {}

    private static Inputs inputs() {
        SplittableRandom r = new SplittableRandom(11);
        List<WeightMatrix> mats = new ArrayList<>();
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            int cols = type.isQuantized() ? 256 : 261; // 261: the float kernels' scalar tails too
            mats.add(WeightMatrix.of(type.name(), type, TestData.randomWeights(r, type, 9, cols, 1), 9, cols));
        }
        float[] x = TestData.gaussian(r, 261, 1.0);
        QuantizedActivations qa = new QuantizedActivations(256).quantize(x, 0, 256);
        return new Inputs(mats, x, TestData.gaussian(r, 7 * 261, 1.0), qa, TestData.gaussian(r, 203, 3.0), TestData.gaussian(r, 203, 1.0), TestData.gaussian(r, 203, 1.0));
    }

    private static int hash(float[] a) {
        int h = 1;
        for (float f : a) {
            h = 31 * h + Float.floatToRawIntBits(f);
        }
        return h;
    }

    /** Every kernel once; the name of each output and the hash of its bits. */
    private static Map<String, Integer> compute(Inputs in) {
        Map<String, Integer> out = new LinkedHashMap<>();
        WorkerPool pool = WorkerPool.shared();
        for (WeightMatrix m : in.mats()) {
            TypeKernels k = m.kernels();
            float[] rows = new float[m.rows()];
            MatOps.matVec(pool, m, in.x(), 0, rows, 0); // four-row kernels and the one-row rest
            out.put(m.name() + " matVec", hash(rows));
            float[] one = new float[m.rows()];
            for (int row = 0; row < m.rows(); row++) {
                one[row] = k.dot(m.data(), row * m.rowBytes(), in.x(), 0, m.cols());
            }
            out.put(m.name() + " dot", hash(one));
            float[] mm = new float[7 * m.rows()];
            MatOps.matMul(pool, m, in.xs(), 7, mm); // the prefill product (panels, register tiles)
            out.put(m.name() + " matMul", hash(mm));
            if (k.supportsQuantizedDot()) {
                float[] q = new float[m.rows()];
                for (int row = 0; row < m.rows(); row++) {
                    q[row] = k.dotQuantized(m.data(), row * m.rowBytes(), in.qa(), 0, m.cols());
                }
                out.put(m.name() + " int8 dot", hash(q));
            }
        }
        int n = in.v().length;
        float[] a = new float[n];
        Ops.rmsNorm(a, 0, in.v(), 0, in.w(), 0, n, 1e-6f);
        out.put("rmsNorm", hash(a));
        Ops.layerNorm(a, 0, in.v(), 0, in.w(), in.b(), n, 1e-6f);
        out.put("layerNorm", hash(a));
        a = in.v().clone();
        Ops.softmax(a, 0, n);
        out.put("softmax", hash(a));
        a = in.v().clone();
        Ops.expShifted(a, 0, n, 1.5f);
        out.put("expShifted", hash(a));
        a = in.v().clone();
        Ops.silu(a, 0, n);
        out.put("silu", hash(a));
        a = in.v().clone();
        Ops.swiglu(a, 0, in.w(), 0, n);
        out.put("swiglu", hash(a));
        a = in.v().clone();
        Ops.geluErf(a, 0, n);
        out.put("geluErf", hash(a));
        out.put("dot", Float.floatToRawIntBits(Ops.dot(in.v(), 0, in.w(), 0, n)));
        return out;
    }

    public static void main(String[] args) throws IOException {
        int rounds = Integer.parseInt(args[0]);
        Inputs in = inputs();
        Map<String, Integer> cold = compute(in);
        for (int i = 0; i < rounds; i++) {
            compute(in);
        }
        Map<String, Integer> hot = compute(in);
        StringBuilder sb = new StringBuilder();
        cold.forEach((k, v) -> sb.append(String.format("cold %s %08x%n", k.replace(' ', '_'), v)));
        hot.forEach((k, v) -> sb.append(String.format("hot %s %08x%n", k.replace(' ', '_'), v)));
        Files.writeString(Path.of(args[1]), sb.toString());
    }
}
