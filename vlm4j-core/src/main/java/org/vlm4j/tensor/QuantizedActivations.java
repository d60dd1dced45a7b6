package org.vlm4j.tensor;

/**
 * An f32 activation vector quantized to 8-bit blocks, so that Q8_0 and Q4_0 weights can be
 * multiplied with integer arithmetic (the "vec_dot_type = Q8_0" scheme of GGML's CPU backend).
 * Quantize once per matrix-vector product, then reuse for every weight row - and for several
 * matrices that share the same input (q/k/v, gate/up).
 *
 * <p>Format, per block of 32 values (the length must be a multiple of 32):
 * <ul>
 *   <li>{@code amax} = max |x|; {@code d = amax / 127} rounded to f16 (as GGML stores it),
 *       {@link #scale(int)} returns that rounded value as a float;</li>
 *   <li>{@code q = rint(x * (127 / amax))} - round half to even, as GGML's x86 (AVX2) and NEON
 *       quantizers do ({@code _mm256_round_ps} nearest / {@code vcvtnq}); GGML's portable
 *       reference uses {@code roundf} (half away from zero), which only differs at exact .5 ties.
 *       The multiplier is {@code 127/amax}, not {@code 1/d}, again as in the SIMD quantizers;</li>
 *   <li>{@code q} is in [-127, 127], never -128, so that two products of a weight in [-128, 127]
 *       with an activation fit in a 16-bit lane (2 x 128 x 127 = 32512).</li>
 * </ul>
 * A block of zeros has scale 0 and all-zero quants. The values are kept widened to shorts,
 * the form the vector kernels consume.
 *
 * <p>For Q4_0 weights each block also gets two derived 16-bit vectors ({@link #nibbleTerms()}),
 * so that the kernel can use a zero-extended weight byte {@code u = 16 hi + lo} whole: with
 * {@code xl = q[j]}, {@code xh = q[j + 16]} (j < 16), {@code a = 16 xl - xh} and
 * {@code c = 128 (xl + xh)},
 * {@code lo a + u xh - c = 16 ((lo - 8) xl + (hi - 8) xh)}, sixteen times the pair's exact
 * product sum. Both fit in a short ({@code |a| <= 2159}, {@code |c| <= 32512}). They cost about as
 * much as the quantization itself, so {@link #quantize(float[], int, int, boolean)} can leave them
 * out when no Q4_0 matrix reads the activations; the Q4_0 kernels then refuse them.
 *
 * <p>Not thread-safe for writing; any number of threads may read it while nobody quantizes.
 */
public final class QuantizedActivations {
    /** Values per block. */
    public static final int BLOCK = 32;

    private short[] q;
    private float[] d;
    /** Per block: {@code 16 q[j] - q[j + 16]} at j, {@code 128 (q[j] + q[j + 16])} at j + 16 (j < 16). */
    private short[] t;
    private boolean hasNibbleTerms;
    private int length;

    /** Storage for up to {@code capacity} values (grows on demand in {@link #quantize}). */
    public QuantizedActivations(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        int c = (capacity + BLOCK - 1) / BLOCK * BLOCK;
        q = new short[c];
        t = new short[c];
        d = new float[c / BLOCK];
    }

    /** Quantizes {@code x[off .. off+n)} for any weight type; {@code n} must be a multiple of 32. */
    public QuantizedActivations quantize(float[] x, int off, int n) {
        return quantize(x, off, n, true);
    }

    /**
     * Quantizes {@code x[off .. off+n)}, with the Q4_0 terms only when {@code nibbleTerms} (Q8_0
     * weights do not need them).
     */
    public QuantizedActivations quantize(float[] x, int off, int n, boolean nibbleTerms) {
        if (n % BLOCK != 0) {
            throw new IllegalArgumentException("activation length " + n + " is not a multiple of " + BLOCK);
        }
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        if (q.length < n) {
            q = new short[n];
            t = new short[n];
            d = new float[n / BLOCK];
        }
        for (int b = 0; b < n / BLOCK; b++) {
            int o = off + b * BLOCK;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[o + j]));
            }
            d[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float id = amax != 0f ? 127f / amax : 0f;
            int qo = b * BLOCK;
            for (int j = 0; j < BLOCK; j++) {
                q[qo + j] = (short) Math.rint(x[o + j] * id);
            }
            for (int j = 0; nibbleTerms && j < BLOCK / 2; j++) {
                int xl = q[qo + j];
                int xh = q[qo + BLOCK / 2 + j];
                t[qo + j] = (short) (16 * xl - xh);
                t[qo + BLOCK / 2 + j] = (short) (128 * (xl + xh));
            }
        }
        length = n;
        hasNibbleTerms = nibbleTerms;
        return this;
    }

    /** Number of quantized values. */
    public int length() {
        return length;
    }

    /** Quantized value {@code i} in [-127, 127]. */
    public int quant(int i) {
        java.util.Objects.checkIndex(i, length);
        return q[i];
    }

    /** Scale of block {@code b} (an f16 value widened to float). */
    public float scale(int b) {
        java.util.Objects.checkIndex(b, length / BLOCK);
        return d[b];
    }

    /** Dequantized value {@code i} ({@code quant(i) * scale(i / 32)}). */
    public float value(int i) {
        return quant(i) * scale(i / BLOCK);
    }

    // package-private raw access for the kernels (no copies, no checks)
    short[] quants() {
        return q;
    }

    float[] scales() {
        return d;
    }

    /** Whether the last {@link #quantize} also computed the Q4_0 terms. */
    public boolean hasNibbleTerms() {
        return hasNibbleTerms;
    }

    /** The Q4_0 kernels' per-block terms (see the class comment). */
    short[] nibbleTerms() {
        return t;
    }
}
