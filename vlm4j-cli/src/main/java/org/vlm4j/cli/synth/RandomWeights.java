package org.vlm4j.cli.synth;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.LongConsumer;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufWriter;
import org.vlm4j.tensor.Quantizer;

/**
 * Generates a tensor's random values chunk by chunk and encodes them in its GGML type, so that a
 * 1 GB model is produced with a few MB of memory. Values are seeded per tensor (seed and tensor
 * name), so a tensor's values do not depend on which other tensors are generated.
 *
 * <p>The generator is SplitMix64; a normal variate is the Irwin-Hall sum of four 16-bit uniforms,
 * rescaled (tails bounded at about 3.5 sigma, which is fine for random weights and cheap).
 *
 * <p>The Q8_0/Q4_0/F16 encoders here are private, minimal reference encoders.
 * TODO(integrator): replace them with {@code org.vlm4j.tensor.Quantizer} once it is merged.
 */
public final class RandomWeights {
    private static final int CHUNK_ELEMENTS = 1 << 20;
    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final float IRWIN_HALL_MEAN = 4 * 65535 / 2f;
    private static final float IRWIN_HALL_INV_STD = (float) (1 / (65536 * Math.sqrt(4 / 12.0)));

    private final float[] values;
    private final byte[] bytes;
    private final MemorySegment out;

    public RandomWeights() {
        values = new float[CHUNK_ELEMENTS];
        bytes = new byte[CHUNK_ELEMENTS * 4];
        out = MemorySegment.ofArray(bytes);
    }

    /** The per-tensor seed: a mix of the run's seed and the tensor name. */
    public static long tensorSeed(long seed, String name) {
        return mix(seed ^ mix(name.hashCode() * 0x9E3779B97F4A7C15L + name.length()));
    }

    /**
     * Generates and writes all of {@code t}'s data to {@code w} (whose current tensor must be
     * {@code t}); {@code progress} receives the number of bytes after each chunk.
     */
    public void write(TensorSpec t, long seed, GgufWriter w, LongConsumer progress) throws IOException {
        long n = t.elementCount();
        long rowLen = t.rowLength();
        // whole rows per chunk keep quantization blocks intact (rows are multiples of the block size)
        long rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / Math.max(1, rowLen));
        if (rowLen > CHUNK_ELEMENTS) {
            throw new IllegalArgumentException("row of " + rowLen + " elements is too long for the generator");
        }
        long state = tensorSeed(seed, t.name());
        long done = 0;
        while (done < n) {
            int count = (int) Math.min(rowsPerChunk * rowLen, n - done);
            state = fill(values, count, t.init(), state);
            int len = encode(t.type(), values, count, out);
            w.writeTensorData(bytes, 0, len);
            done += count;
            progress.accept(len);
        }
    }

    /** Fills {@code dst[0..count)} with values drawn from {@code init}; returns the new state. */
    static long fill(float[] dst, int count, TensorSpec.Init init, long state) {
        float a = (float) init.a();
        float b = (float) init.b();
        long s = state;
        if (init.uniform()) {
            float span = (b - a) * 0x1.0p-24f;
            for (int i = 0; i < count; i++) {
                s += 0x9E3779B97F4A7C15L;
                dst[i] = a + (mix(s) >>> 40) * span;
            }
        } else {
            float scale = b * IRWIN_HALL_INV_STD;
            for (int i = 0; i < count; i++) {
                s += 0x9E3779B97F4A7C15L;
                long z = mix(s);
                int sum = (int) (z & 0xFFFF) + (int) ((z >>> 16) & 0xFFFF) + (int) ((z >>> 32) & 0xFFFF) + (int) (z >>> 48);
                dst[i] = a + (sum - IRWIN_HALL_MEAN) * scale;
            }
        }
        return s;
    }

    /** SplitMix64's output function. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Encodes {@code count} values into {@code out}; returns the number of bytes. */
    static int encode(GgmlType type, float[] v, int count, MemorySegment out) {
        switch (type) {
            case F32 -> {
                MemorySegment.copy(v, 0, out, F32, 0, count);
                return count * 4;
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out.set(S16, 2L * i, Float.floatToFloat16(v[i]));
                }
                return count * 2;
            }
            case BF16 -> {
                Quantizer.toBF16(v, 0, count, out, 0);
                return count * 2;
            }
            case Q8_0 -> {
                return encodeQ8_0(v, count, out);
            }
            case Q4_0 -> {
                return encodeQ4_0(v, count, out);
            }
            default -> throw new IllegalArgumentException("cannot encode " + type);
        }
    }

    /** Q8_0: per 32 values, d = max|x| / 127 (as f16), q = round(x / d). */
    static int encodeQ8_0(float[] v, int count, MemorySegment out) {
        int blocks = count / 32;
        for (int blk = 0; blk < blocks; blk++) {
            int base = blk * 32;
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(v[base + j]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            long o = blk * 34L;
            out.set(S16, o, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                out.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) Math.round(v[base + j] * id));
            }
        }
        return blocks * 34;
    }

    /**
     * Q4_0: per 32 values, m = the value of largest magnitude, d = m / -8 (as f16), q = clamp(round-half-up(x / d) + 8,
     * 0, 15); byte j holds q[j] in its low nibble and q[j + 16] in its high nibble.
     */
    static int encodeQ4_0(float[] v, int count, MemorySegment out) {
        int blocks = count / 32;
        for (int blk = 0; blk < blocks; blk++) {
            int base = blk * 32;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                float x = v[base + j];
                if (Math.abs(x) > amax) {
                    amax = Math.abs(x);
                    max = x;
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            long o = blk * 18L;
            out.set(S16, o, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (v[base + j] * id + 8.5f));
                int hi = Math.min(15, (int) (v[base + j + 16] * id + 8.5f));
                out.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (lo | (hi << 4)));
            }
        }
        return blocks * 18;
    }
}
