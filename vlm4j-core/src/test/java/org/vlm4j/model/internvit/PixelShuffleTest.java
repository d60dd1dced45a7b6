package org.vlm4j.model.internvit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PixelShuffle}'s index formula against a literal port of the reference view/permute sequence
 * ({@code pixel_shuffle} in OpenGVLab's {@code modeling_internvl_chat.py}, ps_version v2).
 */
class PixelShuffleTest {

    /** A contiguous row-major tensor with just the two operations the reference uses. */
    private record T(float[] data, int[] shape) {
        T view(int... s) {
            assertEquals(Arrays.stream(shape).reduce(1, (a, b) -> a * b), Arrays.stream(s).reduce(1, (a, b) -> a * b));
            return new T(data, s);
        }

        /** {@code permute(dims).contiguous()}. */
        T permute(int... dims) {
            int r = shape.length;
            int[] ns = new int[r];
            for (int i = 0; i < r; i++) {
                ns[i] = shape[dims[i]];
            }
            int[] oldStride = strides(shape);
            float[] out = new float[data.length];
            int[] idx = new int[r];
            for (int flat = 0; flat < out.length; flat++) {
                int rem = flat;
                for (int i = r - 1; i >= 0; i--) {
                    idx[i] = rem % ns[i];
                    rem /= ns[i];
                }
                int src = 0;
                for (int i = 0; i < r; i++) {
                    src += idx[i] * oldStride[dims[i]];
                }
                out[flat] = data[src];
            }
            return new T(out, ns);
        }

        private static int[] strides(int[] s) {
            int[] st = new int[s.length];
            int acc = 1;
            for (int i = s.length - 1; i >= 0; i--) {
                st[i] = acc;
                acc *= s[i];
            }
            return st;
        }
    }

    /**
     * Literal port of the reference, with {@code scale_factor = 1/s}:
     * <pre>
     * n, w, h, c = x.size()
     * x = x.view(n, w, int(h * scale_factor), int(c / scale_factor))
     * x = x.permute(0, 2, 1, 3).contiguous()
     * x = x.view(n, int(h * scale_factor), int(w * scale_factor), int(c / (scale_factor * scale_factor)))
     * x = x.permute(0, 2, 1, 3).contiguous()   # ps_version v2
     * </pre>
     * then {@code reshape(n, -1, C*s*s)}.
     */
    private static float[] reference(float[] patches, int grid, int c, int s) {
        T x = new T(patches.clone(), new int[] {1, grid, grid, c});
        int n = 1, w = grid, h = grid;
        x = x.view(n, w, h / s, c * s);
        x = x.permute(0, 2, 1, 3);
        x = x.view(n, h / s, w / s, c * s * s);
        x = x.permute(0, 2, 1, 3);
        return x.view(n, (grid / s) * (grid / s), c * s * s).data();
    }

    @ParameterizedTest
    @CsvSource({"32, 64, 2", "4, 3, 2", "8, 5, 4", "6, 2, 3", "32, 1024, 2"})
    void formulaMatchesViewPermuteSequence(int grid, int c, int s) {
        Random rnd = new Random(grid * 31 + c * 7 + s);
        float[] in = new float[grid * grid * c];
        for (int i = 0; i < in.length; i++) {
            in[i] = rnd.nextFloat();
        }
        float[] out = new float[in.length + 5];
        Arrays.fill(out, -1f);
        float[] padded = new float[in.length + 3];
        System.arraycopy(in, 0, padded, 3, in.length);
        PixelShuffle.shuffle(padded, 3, grid, c, s, out, 5);
        assertArrayEquals(reference(in, grid, c, s), Arrays.copyOfRange(out, 5, out.length));
        assertArrayEquals(new float[] {-1f, -1f, -1f, -1f, -1f}, Arrays.copyOf(out, 5));
    }

    /** The spec's worked statement: token R*16+C = [in[2R][2C], in[2R][2C+1], in[2R+1][2C], in[2R+1][2C+1]]. */
    @Test
    void tokenIsTwoByTwoNeighbourhoodInReadingOrder() {
        int grid = 32;
        float[] in = new float[grid * grid];
        for (int p = 0; p < in.length; p++) {
            in[p] = p; // channel width 1: the value is the patch index row*32+col
        }
        float[] out = new float[in.length];
        PixelShuffle.shuffle(in, 0, grid, 1, 2, out, 0);
        int r = 5, col = 11, t = r * 16 + col;
        assertArrayEquals(new float[] {(2 * r) * 32 + 2 * col, (2 * r) * 32 + 2 * col + 1,
                (2 * r + 1) * 32 + 2 * col, (2 * r + 1) * 32 + 2 * col + 1}, Arrays.copyOfRange(out, 4 * t, 4 * t + 4));
    }

    @Test
    void rejectsGridNotDivisible() {
        assertThrows(IllegalArgumentException.class, () -> PixelShuffle.shuffle(new float[25], 0, 5, 1, 2, new float[25], 0));
    }
}
