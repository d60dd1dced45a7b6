package org.vlm4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.vlm4j.gguf.GgmlType;

/**
 * Gets the vector kernels JIT-compiled before real work arrives (see {@link KernelInfo#warmUp}).
 *
 * <p>Until C2 compiles a Vector API method, it runs in the interpreter or in C1 code that calls the
 * API's pure-Java fallbacks, about 1000x slower (a 1024-wide Q4_0 row dot took 0.8 ms instead of
 * 0.5 us). C2 compiles a method after a few thousand invocations, so the first thousands of rows
 * of a real model would pay that price: seconds of start-up. Calling every kernel a few thousand
 * times on tiny inputs reaches the same thresholds at a fraction of the cost.
 */
final class WarmUp {
    private WarmUp() {}

    /** Calls per kernel: above C2's default invocation threshold (5000) with margin. */
    static final int CALLS = 6000;

    static void run(WorkerPool pool) {
        SplittableRandom r = new SplittableRandom(1);
        int n = 64;
        float[] x = new float[n * 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] sink = new float[n * 16];
        QuantizedActivations qa = new QuantizedActivations(n);
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
                long bytes = type.byteSize(n);
                MemorySegment seg = arena.allocate(bytes * 16, 64);
                for (int row = 0; row < 16; row++) {
                    Quantizer.quantize(type, x, 0, n, seg, row * bytes);
                }
                TypeKernels k = TypeKernels.of(type);
                boolean int8 = k.supportsQuantizedDot();
                for (int i = 0; i < CALLS; i++) {
                    sink[i & 15] += k.dot(seg, 0, x, 0, n);
                    if (int8) {
                        if ((i & 63) == 0) {
                            qa.quantize(x, 0, n);
                        }
                        sink[i & 15] += k.dotQuantized(seg, 0, qa, 0, n);
                    }
                    if ((i & 7) == 0) {
                        k.dequantize(seg, 0, sink, 0, n);
                    }
                }
                // the GEMM micro-kernels: 16 rows x 7 tokens = one 6-token tile + one single token
                WeightMatrix w = WeightMatrix.of("warm-up", type, seg, 16, n);
                float[] out = new float[7 * 16];
                for (int i = 0; i < 50; i++) { // the kernels themselves are warmed below
                    Gemm.matMul(pool, w, x, 0, 7, out, 0);
                }
            }
            if (Simd.ENABLED) {
                float[] panel = new float[8 * GemmVectors.MR];
                float[] out = new float[GemmVectors.NR * GemmVectors.MR];
                for (int i = 0; i < CALLS; i++) {
                    GemmVectors.kernelPacked(panel, 8, x, 0, out, 0, GemmVectors.MR);
                    GemmVectors.kernel1(panel, 8, x, 0, out, 0);
                }
            }
            float[] w = new float[n];
            float[] y = new float[n];
            for (int i = 0; i < CALLS; i++) {
                Ops.rmsNorm(y, 0, x, 0, w, 0, n, 1e-6f);
                Ops.layerNorm(y, 0, x, 0, w, w, n, 1e-6f);
                System.arraycopy(x, 0, y, 0, n);
                Ops.softmax(y, 0, n);
                Ops.swiglu(y, 0, x, 0, n);
                Ops.geluErf(y, 0, n);
                Ops.add(y, 0, x, 0, n);
                Ops.addScaled(y, 0, w, x, 0, n);
                Ops.axpy(0.5f, x, 0, y, 0, n);
                sink[0] += Ops.dot(x, 0, y, 0, n);
                if ((i & 15) == 0) {
                    qa.quantize(x, 0, n);
                }
            }
        }
    }
}
