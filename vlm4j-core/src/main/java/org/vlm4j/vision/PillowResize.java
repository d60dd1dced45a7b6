package org.vlm4j.vision;

import java.util.Arrays;

/**
 * Bicubic resize that is bit-identical to Pillow's {@code Image.resize(size, Image.BICUBIC)} on
 * 8-bit RGB images (the default filter of {@code Image.resize}, used by InternVL's
 * {@code dynamic_preprocess} and {@code T.Resize}).
 *
 * <p>Why exact: the reference tiles were made with Pillow, and a resize that differs by one level in
 * a few pixels moves the vision embeddings enough to make golden comparisons noisy. The algorithm
 * (Pillow {@code libImaging/Resample.c}, re-derived here) is:
 * <ul>
 *   <li>Keys cubic with {@code a = -0.5}, support 2. When downscaling along an axis the kernel is
 *       stretched by the scale factor ({@code filterscale = max(in/out, 1)}), which is what makes it
 *       antialiased.</li>
 *   <li>Per output coordinate {@code xx}: {@code center = (xx + 0.5) * scale},
 *       {@code xmin = max((int)(center - support + 0.5), 0)},
 *       {@code xmax = min((int)(center + support + 0.5), in)}; weights
 *       {@code K((x + xmin - center + 0.5) / filterscale)} normalised to sum 1, all in double.</li>
 *   <li>Weights become 22-bit fixed point, rounded half away from zero by adding +-0.5 and
 *       truncating. Each output sample is {@code clamp((2^21 + sum(w * v)) >> 22, 0, 255)} in 32-bit
 *       integers.</li>
 *   <li>Horizontal pass first (only over the source rows the vertical pass will read), then the
 *       vertical pass on the 8-bit intermediate. A pass whose size is unchanged is skipped (it would
 *       be the identity anyway); an unchanged size returns a copy.</li>
 * </ul>
 *
 * <p>Speed: coefficient tables are computed once per axis; the horizontal pass walks each row with
 * int arithmetic, the vertical pass accumulates whole rows into an int buffer (sequential access,
 * vectorisable by the JIT).
 */
public final class PillowResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);
    private static final double BICUBIC_SUPPORT = 2.0;

    private PillowResize() {
    }

    /**
     * Resizes (stretches) {@code src} to {@code outWidth x outHeight} with Pillow's bicubic filter.
     *
     * @throws IllegalArgumentException if a target dimension is not positive
     */
    public static RgbImage bicubic(RgbImage src, int outWidth, int outHeight) {
        if (outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + outWidth + "x" + outHeight);
        }
        int inW = src.width();
        int inH = src.height();
        if (inW == outWidth && inH == outHeight) {
            return src; // immutable: a copy and the original are indistinguishable
        }
        Coefficients vert = Coefficients.bicubic(inH, outHeight);
        byte[] data = src.data();
        int width = inW;
        if (outWidth != inW) {
            // Only the rows the vertical pass will read: [first, last).
            int first = vert.start[0];
            int last = vert.start[outHeight - 1] + vert.count[outHeight - 1];
            if (outHeight == inH) {
                first = 0;
                last = inH;
            }
            Coefficients horiz = Coefficients.bicubic(inW, outWidth);
            data = horizontal(data, inW, first, last, outWidth, horiz);
            width = outWidth;
            if (outHeight == inH) {
                return new RgbImage(outWidth, outHeight, data, true);
            }
            vert.shift(-first);
        }
        return new RgbImage(outWidth, outHeight, vertical(data, width, outHeight, vert), true);
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Horizontal pass over source rows {@code [y0, y1)}; returns {@code (y1-y0)} rows of {@code outW}. */
    private static byte[] horizontal(byte[] src, int inW, int y0, int y1, int outW, Coefficients c) {
        byte[] dst = new byte[(y1 - y0) * outW * 3];
        int ksize = c.ksize;
        int[] start = c.start;
        int[] count = c.count;
        int[] kk = c.weights;
        int d = 0;
        for (int y = y0; y < y1; y++) {
            int rowBase = y * inW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int n = count[xx];
                int k0 = xx * ksize;
                int p = rowBase + start[xx] * 3;
                int s0 = HALF;
                int s1 = HALF;
                int s2 = HALF;
                for (int t = 0; t < n; t++, p += 3) {
                    int k = kk[k0 + t];
                    s0 += (src[p] & 0xFF) * k;
                    s1 += (src[p + 1] & 0xFF) * k;
                    s2 += (src[p + 2] & 0xFF) * k;
                }
                dst[d++] = (byte) clip8(s0);
                dst[d++] = (byte) clip8(s1);
                dst[d++] = (byte) clip8(s2);
            }
        }
        return dst;
    }

    /** Vertical pass: every output row is a weighted sum of whole input rows. */
    private static byte[] vertical(byte[] src, int width, int outH, Coefficients c) {
        int rowLen = width * 3;
        byte[] dst = new byte[outH * rowLen];
        int[] acc = new int[rowLen];
        int ksize = c.ksize;
        for (int yy = 0; yy < outH; yy++) {
            Arrays.fill(acc, HALF);
            int n = c.count[yy];
            int k0 = yy * ksize;
            int row = c.start[yy] * rowLen;
            for (int t = 0; t < n; t++, row += rowLen) {
                int k = c.weights[k0 + t];
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += (src[row + i] & 0xFF) * k;
                }
            }
            int o = yy * rowLen;
            for (int i = 0; i < rowLen; i++) {
                dst[o + i] = (byte) clip8(acc[i]);
            }
        }
        return dst;
    }

    /** Keys cubic kernel, {@code a = -0.5}, evaluated in the same operation order as Pillow. */
    static double bicubicKernel(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Fixed-point coefficient table for one axis. */
    static final class Coefficients {
        final int ksize;
        final int[] start;
        final int[] count;
        final int[] weights;

        private Coefficients(int ksize, int[] start, int[] count, int[] weights) {
            this.ksize = ksize;
            this.start = start;
            this.count = count;
            this.weights = weights;
        }

        static Coefficients bicubic(int inSize, int outSize) {
            // Pillow: scale = (double)(in1 - in0) / outSize with a float box (exact for sizes < 2^24).
            double scale = (double) (float) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = BICUBIC_SUPPORT * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            int[] weights = new int[Math.multiplyExact(outSize, ksize)];
            double[] k = new double[ksize];
            double ss = 1.0 / filterscale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = bicubicKernel((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                int base = xx * ksize;
                for (int x = 0; x < xmax; x++) {
                    double w = ww != 0.0 ? k[x] / ww : k[x];
                    weights[base + x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                            : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                start[xx] = xmin;
                count[xx] = xmax;
            }
            return new Coefficients(ksize, start, count, weights);
        }

        void shift(int delta) {
            for (int i = 0; i < start.length; i++) {
                start[i] += delta;
            }
        }
    }
}
