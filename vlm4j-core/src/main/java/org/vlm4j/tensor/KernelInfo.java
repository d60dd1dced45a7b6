package org.vlm4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.vlm4j.gguf.GgmlType;

/**
 * Which kernels this JVM runs, for start-up banners and logs, and the one run-time decision the
 * kernels make: whether Q8_0/Q4_0 matrix-vector products quantize the activations to 8 bits
 * ({@link QuantizedDot#INT8}, GGML's scheme) or dequantize the weights to floats
 * ({@link QuantizedDot#FLOAT}).
 *
 * <p>The decision is made once per weight type, on first use, from the system property
 * {@code vlm4j.q8.dot}:
 * <ul>
 *   <li>unset: {@code INT8} when the Vector API kernels are active (steady state on AVX2 Zen3:
 *       Q8_0 1024x1024 about 1.3x, Q4_0 about 1.4x faster than float, and it is what llama.cpp
 *       computes), {@code FLOAT} with scalar kernels (there the float reference is faster);</li>
 *   <li>{@code int8} or {@code float}: forced;</li>
 *   <li>{@code auto}: both kernels are timed on a synthetic matrix until the JIT has compiled both
 *       and the faster wins. This is opt-in because Vector API code runs about 100x slower until
 *       C2 compiles it, so the measurement costs 0.2 s on an idle machine and seconds on a
 *       loaded one, and its outcome (hence the numerics) could differ from run to run.</li>
 * </ul>
 * The int8 path changes results slightly (8-bit activations, exactly what llama.cpp computes;
 * see {@link QuantizedActivations}).
 *
 * <p>The vector width is chosen by {@code vlm4j.vector.bits} (see {@code Simd}).
 */
public final class KernelInfo {
    private KernelInfo() {}

    /** How Q8_0/Q4_0 weights are multiplied with one activation vector. */
    public enum QuantizedDot {
        /** Activations quantized to 8-bit blocks, integer multiply-adds. */
        INT8,
        /** Weights dequantized to f32 on the fly, float FMAs with f32 activations. */
        FLOAT
    }

    private record Choice(QuantizedDot mode, String reason) {}

    private static final Map<GgmlType, Choice> CHOICES = new EnumMap<>(GgmlType.class);
    private static volatile Choice q8Choice;
    private static volatile Choice q4Choice;

    /** Whether the Vector API kernels are in use (false: scalar reference kernels). */
    public static boolean vectorized() {
        return Simd.ENABLED;
    }

    /** Vector width in bits of the float kernels, 0 when scalar. */
    public static int vectorBits() {
        return Simd.BITS;
    }

    /** The CPU's preferred vector width in bits as reported by the Vector API (0 if unavailable). */
    public static int preferredVectorBits() {
        return Simd.PREFERRED_BITS;
    }

    /**
     * The matrix-vector path for weights of {@code type} (Q8_0 or Q4_0; other types always use
     * {@code FLOAT}). Decided once, possibly by a short measurement on first call.
     */
    public static QuantizedDot quantizedDot(GgmlType type) {
        return choice(type).mode;
    }

    /** Why {@link #quantizedDot} chose what it chose (property, or the measured times). */
    public static String quantizedDotReason(GgmlType type) {
        return choice(type).reason;
    }

    /**
     * One line for a start-up banner, e.g.
     * {@code "kernels: Vector API 256-bit (8 floats); Q8_0 int8, Q4_0 int8 (measured ...); threads 2"}.
     * Triggers the Q8_0/Q4_0 decision if it has not happened yet.
     */
    public static String describe(WorkerPool pool) {
        return describe(pool.threads());
    }

    /** {@link #describe(WorkerPool)} for the default thread count. */
    public static String describe() {
        return describe(WorkerPool.defaultThreads());
    }

    private static String describe(int threads) {
        StringBuilder sb = new StringBuilder("kernels: ");
        if (Simd.ENABLED) {
            sb.append("Vector API ").append(Simd.BITS).append("-bit (").append(Simd.BITS / 32).append(" floats");
            if (Simd.BITS != Simd.PREFERRED_BITS) {
                sb.append(", CPU prefers ").append(Simd.PREFERRED_BITS);
            }
            sb.append(")");
        } else {
            sb.append("scalar");
        }
        if (!Simd.NOTE.isEmpty()) {
            sb.append(" [").append(Simd.NOTE).append("]");
        }
        sb.append("; Q8_0 ").append(modeName(GgmlType.Q8_0)).append(", Q4_0 ").append(modeName(GgmlType.Q4_0));
        sb.append(" (").append(quantizedDotReason(GgmlType.Q8_0)).append(")");
        sb.append("; threads ").append(threads);
        return sb.toString();
    }

    private static volatile boolean warmedUp;
    private static final Object WARM_UP_LOCK = new Object();

    /**
     * Runs every kernel a few thousand times on tiny inputs so that the JIT compiles them before
     * real work arrives. Without this, the first thousands of rows of a model run as slow
     * interpreted / C1 Vector API code (about 1000x slower than compiled; several seconds of
     * start-up). Takes roughly 0.5 to 2 s of CPU time depending on the machine (it is thread-safe
     * and idempotent: later calls return immediately).
     *
     * <p>With a loaded model, prefer {@code VisionLanguageModel.warmUp}, which runs the model's own
     * shapes and code paths while nobody waits. This one covers every weight type on tiny inputs,
     * and run on a background thread during real work it made a one-shot picture question slower
     * on 2 cores (it competes for them; BENCHMARKS.md, "A one-shot picture question").
     */
    public static void warmUp(WorkerPool pool) {
        if (warmedUp) {
            return;
        }
        synchronized (WARM_UP_LOCK) {
            if (!warmedUp) {
                WarmUp.run(pool);
                warmedUp = true;
            }
        }
    }

    private static String modeName(GgmlType t) {
        return quantizedDot(t).name().toLowerCase(Locale.ROOT);
    }

    private static Choice choice(GgmlType type) {
        if (type != GgmlType.Q8_0 && type != GgmlType.Q4_0) {
            return new Choice(QuantizedDot.FLOAT, type + " has no int8 path");
        }
        Choice c = type == GgmlType.Q8_0 ? q8Choice : q4Choice; // volatile reads: no lock per call
        if (c == null) {
            synchronized (KernelInfo.class) {
                c = CHOICES.computeIfAbsent(type, KernelInfo::decide);
                if (type == GgmlType.Q8_0) {
                    q8Choice = c;
                } else {
                    q4Choice = c;
                }
            }
        }
        return c;
    }

    private static Choice decide(GgmlType type) {
        String prop = System.getProperty("vlm4j.q8.dot", "").trim().toLowerCase(Locale.ROOT);
        switch (prop) {
            case "int8":
                return new Choice(QuantizedDot.INT8, "forced by vlm4j.q8.dot=int8");
            case "float":
                return new Choice(QuantizedDot.FLOAT, "forced by vlm4j.q8.dot=float");
            case "auto":
                return measure(type);
            case "":
                return Simd.ENABLED
                        ? new Choice(QuantizedDot.INT8, "default with vector kernels; -Dvlm4j.q8.dot=float|auto to change")
                        : new Choice(QuantizedDot.FLOAT, "default with scalar kernels; -Dvlm4j.q8.dot=int8|auto to change");
            default:
                throw new IllegalArgumentException("system property vlm4j.q8.dot must be int8, float or auto, got '" + prop + "'");
        }
    }

    private static final boolean DEBUG = Boolean.getBoolean("vlm4j.kernels.debug");
    private static final long BUDGET_NANOS = 1_500_000_000L;

    /**
     * Times both paths on a synthetic 64 x 256 matrix in alternating batches until both timings
     * have stopped improving (the JIT has compiled both kernels; Vector API code is 100x slower
     * before that), then compares the best batch of each. If that does not happen within
     * {@link #BUDGET_NANOS} (an overloaded machine), INT8 is chosen: it measured faster on every
     * CPU we tried and it is what llama.cpp computes.
     */
    private static Choice measure(GgmlType type) {
        int rows = 64;
        int cols = 256;
        int blockBytes = type.typeSize();
        SplittableRandom rnd = new SplittableRandom(42);
        try (Arena arena = Arena.ofConfined()) {
            long bytes = (long) rows * cols / 32 * blockBytes;
            MemorySegment seg = arena.allocate(bytes, 64);
            for (long i = 0; i < bytes; i++) {
                seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
            }
            for (long b = 0; b < bytes / blockBytes; b++) {
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, b * blockBytes, Float.floatToFloat16(0.01f + 0.01f * (float) rnd.nextDouble()));
            }
            WeightMatrix w = WeightMatrix.of("calibration", type, seg, rows, cols);
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            QuantizedActivations qa = new QuantizedActivations(cols);
            float[] out = new float[rows];
            long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
            int[] stale = new int[2];
            long start = System.nanoTime();
            boolean settled = false;
            while (System.nanoTime() - start < BUDGET_NANOS) {
                for (int path = 0; path < 2; path++) {
                    long t0 = System.nanoTime();
                    for (int rep = 0; rep < 4; rep++) {
                        if (path == 0) {
                            qa.quantize(x, 0, cols);
                            for (int r = 0; r < rows; r++) {
                                out[r] = w.dot(r, qa);
                            }
                        } else {
                            for (int r = 0; r < rows; r++) {
                                out[r] = w.dot(r, x, 0);
                            }
                        }
                    }
                    long t = System.nanoTime() - t0;
                    if (t < best[path] * 97 / 100) {
                        stale[path] = 0;
                    } else {
                        stale[path]++;
                    }
                    best[path] = Math.min(best[path], t);
                    if (DEBUG) {
                        System.err.printf("%d path %d %d us best %d stale %d%n", (System.nanoTime() - start) / 1000000, path, t / 1000, best[path] / 1000, stale[path]);
                    }
                }
                if (stale[0] >= 40 && stale[1] >= 40) {
                    settled = true;
                    break;
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000L;
            if (!settled) {
                return new Choice(QuantizedDot.INT8, String.format(Locale.ROOT,
                        "%s timing did not settle within %d ms; int8 by default", type, ms));
            }
            QuantizedDot mode = best[0] <= best[1] ? QuantizedDot.INT8 : QuantizedDot.FLOAT;
            String reason = String.format(Locale.ROOT, "measured %s: int8 %.2f us, float %.2f us per 64x256 x4 in %d ms",
                    type, best[0] / 1e3, best[1] / 1e3, ms);
            return new Choice(mode, reason);
        }
    }
}
