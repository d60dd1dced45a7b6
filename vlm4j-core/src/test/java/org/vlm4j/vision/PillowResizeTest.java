package org.vlm4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pillow bicubic resize. The bit-exact golden check against Pillow itself is in
 * {@link ImagePreprocessorTest} (img300x200 tiles). Here: the kernel, edge cases, and a
 * straightforward per-pixel reimplementation of spec section 9.4 (no tables, no row skipping, both
 * passes always run) that the optimized code must agree with on many sizes, including the
 * one-axis-only resizes that the goldens do not cover.
 */
class PillowResizeTest {

    @Test
    void kernelValues() {
        assertEquals(1.0, PillowResize.bicubicKernel(0));
        assertEquals(0.0, PillowResize.bicubicKernel(1), 0.0); // -0.0 in Pillow too
        assertEquals(0.0, PillowResize.bicubicKernel(-2));
        assertEquals(0.0, PillowResize.bicubicKernel(2.5));
        // a = -0.5: K(0.5) = (1.5*0.5 - 2.5)*0.25 + 1 = 0.5625; K(1.5) = ((1.5-5)*1.5+8)*1.5-4)*-0.5 = -0.0625
        assertEquals(0.5625, PillowResize.bicubicKernel(0.5));
        assertEquals(0.5625, PillowResize.bicubicKernel(-0.5));
        assertEquals(-0.0625, PillowResize.bicubicKernel(1.5));
    }

    @Test
    void sameSizeIsTheIdentityAndBadSizesAreRejected() {
        RgbImage img = random(7, 5, new Random(3));
        assertSame(img, PillowResize.bicubic(img, 7, 5));
        assertThrows(IllegalArgumentException.class, () -> PillowResize.bicubic(img, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> PillowResize.bicubic(img, 5, -1));
    }

    @Test
    void constantImagesStayConstant() {
        for (int v : new int[] {0, 1, 128, 254, 255}) {
            byte[] b = new byte[13 * 9 * 3];
            java.util.Arrays.fill(b, (byte) v);
            RgbImage out = PillowResize.bicubic(new RgbImage(13, 9, b), 31, 4);
            for (byte x : out.toByteArray()) {
                assertEquals(v, x & 0xFF);
            }
        }
    }

    @Test
    void overshootIsClamped() {
        // a hard 0/255 edge upscaled: bicubic rings below 0 and above 255; results must clamp, not wrap
        byte[] b = new byte[4 * 1 * 3];
        for (int i = 6; i < 12; i++) {
            b[i] = (byte) 255;
        }
        RgbImage out = PillowResize.bicubic(new RgbImage(4, 1, b), 16, 1);
        int min = 255;
        int max = 0;
        for (byte x : out.toByteArray()) {
            min = Math.min(min, x & 0xFF);
            max = Math.max(max, x & 0xFF);
        }
        assertEquals(0, min);
        assertEquals(255, max);
        assertEquals(0, out.sample(0, 0, 0));
        assertEquals(255, out.sample(15, 0, 0));
    }

    @Test
    void agreesWithTheStraightforwardSpecImplementation() {
        Random rnd = new Random(42);
        int[][] cases = {
            {300, 200, 1344, 896}, {300, 200, 448, 448}, {10, 10, 10, 30}, {10, 10, 30, 10},
            {37, 23, 37, 5}, {37, 23, 3, 23}, {1, 1, 5, 3}, {5, 3, 1, 1}, {64, 64, 7, 100},
            {101, 53, 448, 448}, {448, 300, 448, 448}, {2, 2, 3, 3},
        };
        for (int[] c : cases) {
            check(random(c[0], c[1], rnd), c[2], c[3]);
        }
        for (int i = 0; i < 40; i++) {
            check(random(1 + rnd.nextInt(60), 1 + rnd.nextInt(60), rnd), 1 + rnd.nextInt(90), 1 + rnd.nextInt(90));
        }
    }

    private static void check(RgbImage src, int w, int h) {
        RgbImage fast = PillowResize.bicubic(src, w, h);
        RgbImage slow = reference(src, w, h);
        if (!slow.equals(fast)) {
            fail(src.width() + "x" + src.height() + " -> " + w + "x" + h + ": "
                    + ImagePreprocessorTest.firstDiff(slow, fast));
        }
    }

    static RgbImage random(int w, int h, Random rnd) {
        byte[] b = new byte[w * h * 3];
        rnd.nextBytes(b);
        return new RgbImage(w, h, b);
    }

    // ---- the spec, section 9.4, written out pixel by pixel

    private static int[][] weights(int in, int out) {
        double scale = (double) in / out;
        double filterscale = Math.max(scale, 1.0);
        double support = 2.0 * filterscale;
        int[][] result = new int[out][];
        for (int xx = 0; xx < out; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), in);
            double[] w = new double[xmax - xmin];
            double sum = 0;
            for (int x = 0; x < w.length; x++) {
                w[x] = kernel((x + xmin - center + 0.5) / filterscale);
                sum += w[x];
            }
            int[] fixed = new int[w.length + 1];
            fixed[0] = xmin;
            for (int x = 0; x < w.length; x++) {
                double n = sum != 0 ? w[x] / sum : w[x];
                double scaled = n * (1 << 22);
                fixed[x + 1] = (int) (n < 0 ? scaled - 0.5 : scaled + 0.5);
            }
            result[xx] = fixed;
        }
        return result;
    }

    private static double kernel(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0;
    }

    private static RgbImage reference(RgbImage src, int w, int h) {
        int[][] wx = weights(src.width(), w);
        int[][] wy = weights(src.height(), h);
        int[][][] tmp = new int[src.height()][w][3]; // horizontal pass on every row
        for (int y = 0; y < src.height(); y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << 21;
                    for (int k = 1; k < wx[x].length; k++) {
                        acc += src.sample(wx[x][0] + k - 1, y, c) * wx[x][k];
                    }
                    tmp[y][x][c] = Math.clamp(acc >> 22, 0, 255);
                }
            }
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << 21;
                    for (int k = 1; k < wy[y].length; k++) {
                        acc += tmp[wy[y][0] + k - 1][x][c] * wy[y][k];
                    }
                    out[(y * w + x) * 3 + c] = (byte) Math.clamp(acc >> 22, 0, 255);
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
