package org.vlm4j.model.internvit;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/**
 * Manual benchmark (not a test): a full-width InternViT-300M with random F16 weights, timed per tile
 * and per part. Usage: {@code java ... InternVitBench [layers=24] [threads=2] [tiles=2] [att|nogemm]}.
 */
public final class InternVitBench {
    private InternVitBench() {}

    static WeightMatrix f16(String name, int rows, int cols, Random rnd, float scale) {
        MemorySegment seg = MemorySegment.ofArray(new short[rows * cols]);
        for (long i = 0; i < (long) rows * cols; i++) {
            seg.set(ValueLayout.JAVA_SHORT, 2 * i, Float.floatToFloat16((float) rnd.nextGaussian() * scale));
        }
        return WeightMatrix.of(name, GgmlType.F16, seg, rows, cols);
    }

    static float[] vec(int n, Random rnd, float mean, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = mean + (float) rnd.nextGaussian() * scale;
        }
        return v;
    }

    /** Random weights of the given geometry (values roughly like a trained ViT's, for sane activations). */
    static InternVitWeights randomWeights(InternVitConfig c, long seed) {
        Random r = new Random(seed);
        int h = c.hiddenSize(), f = c.intermediateSize();
        float ws = (float) (1 / Math.sqrt(h));
        InternVitWeights.Layer[] layers = new InternVitWeights.Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new InternVitWeights.Layer(vec(h, r, 1, 0.1f), vec(h, r, 0, 0.1f),
                    f16("q" + i, h, h, r, ws), vec(h, r, 0, 0.1f), f16("k" + i, h, h, r, ws), vec(h, r, 0, 0.1f),
                    f16("v" + i, h, h, r, ws), vec(h, r, 0, 0.1f), f16("o" + i, h, h, r, ws), vec(h, r, 0, 0.1f),
                    vec(h, r, 0.3f, 0.1f), vec(h, r, 1, 0.1f), vec(h, r, 0, 0.1f),
                    f16("up" + i, f, h, r, ws), vec(f, r, 0, 0.1f), f16("down" + i, h, f, r, (float) (1 / Math.sqrt(f))),
                    vec(h, r, 0, 0.1f), vec(h, r, 0.3f, 0.1f));
        }
        int sw = c.shuffledWidth(), d = c.projectionDim();
        return new InternVitWeights(c, f16("patch", h, c.patchVectorSize(), r, 0.04f), vec(h, r, 0, 0.1f),
                vec(h, r, 0, 1), vec(c.sequenceLength() * h, r, 0, 0.5f), layers,
                vec(sw, r, 1, 0.1f), vec(sw, r, 0, 0.1f), f16("mlp1", d, sw, r, (float) (1 / Math.sqrt(sw))), vec(d, r, 0, 0.1f),
                f16("mlp3", d, d, r, (float) (1 / Math.sqrt(d))), vec(d, r, 0, 0.1f));
    }

    /** CPU time of the whole process (all threads), ns: the machine is shared, wall time is noisy. */
    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    public static void main(String[] args) {
        int layers = args.length > 0 ? Integer.parseInt(args[0]) : 24;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int tiles = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        boolean attentionOnly = args.length > 3 && args[3].equals("att");
        InternVitConfig c = new InternVitConfig(448, 14, 1024, 4096, layers, 16, 1e-6f, 2, 1024,
                InternVitConfig.imagenetMean(), InternVitConfig.imagenetStd(), 1, 12);
        InternVitWeights w = randomWeights(c, 1);
        float[] pixels = vec(c.pixelsPerTile(), new Random(2), 0, 1);
        try (WorkerPool pool = WorkerPool.create(threads)) {
            // attention alone, full size
            VisionAttention att = new VisionAttention(1025, 16, 64);
            Random r = new Random(3);
            float[] q = vec(1025 * 1024, r, 0, 0.3f), k = vec(1025 * 1024, r, 0, 0.3f), v = vec(1025 * 1024, r, 0, 1f);
            float[] o = new float[q.length];
            for (int i = 0; i < 8; i++) {
                long t0 = System.nanoTime();
                long c0 = cpu();
                att.forward(pool, q, k, v, o);
                System.out.printf("attention (1 layer, 16 heads x 1025^2): %.1f ms wall, %.1f ms cpu%n",
                        (System.nanoTime() - t0) / 1e6, (cpu() - c0) / 1e6);
            }
            // per-layer element-wise work at full size, single thread, CPU time
            float[] ones = vec(4096, r, 1, 0.1f), zeros = vec(4096, r, 0, 0.1f);
            float[] big = vec(1025 * 4096, r, 0, 1);
            for (int i = 0; i < 6; i++) {
                long c0 = cpu();
                for (int t = 0; t < 1025; t++) {
                    VitKernels.layerNorm(o, t * 1024, q, t * 1024, ones, zeros, 1024, 1e-6f);
                }
                long c1 = cpu();
                for (int t = 0; t < 1025; t++) {
                    VitKernels.biasGelu(big, t * 4096, zeros, 4096);
                }
                long c2 = cpu();
                for (int t = 0; t < 1025; t++) {
                    VitKernels.residual(o, t * 1024, q, t * 1024, zeros, ones, 1024);
                    VitKernels.biasScale(k, t * 1024, zeros, 1f, 1024);
                }
                long c3 = cpu();
                System.out.printf("layerNorm x1 %.1f ms, bias+gelu(4096) %.1f ms, residual+biasScale %.1f ms (cpu)%n",
                        (c1 - c0) / 1e6, (c2 - c1) / 1e6, (c3 - c2) / 1e6);
            }
            if (attentionOnly) {
                return;
            }
            InternVitEncoder enc = InternVitModel.of(w).newEncoder(pool);
            if (args.length > 3 && args[3].equals("nogemm")) {
                enc.gemm = (p, m, x, n, out) -> { }; // time everything but the matrix products
            }
            float[] out = new float[c.tokensPerTile() * c.projectionDim()];
            for (int t = 0; t < tiles; t++) {
                long t0 = System.nanoTime();
                long c0 = cpu();
                enc.encodeTile(pixels, 0, out, 0);
                System.out.printf("tile %d: %.2f s wall, %.2f s cpu (%d layers, %d threads)%n", t, (System.nanoTime() - t0) / 1e9,
                        (cpu() - c0) / 1e9, layers, threads);
            }
        }
    }
}
