package org.vlm4j.vision;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * Turns a decoded {@link BufferedImage} into 8-bit RGB the way Pillow's {@code convert('RGB')}
 * does, from the raw raster samples (never {@code BufferedImage.getRGB}, which colour-converts grey
 * images through a linear-gamma grey colour space and applies embedded ICC profiles).
 *
 * <p>Rules (Pillow {@code PngImagePlugin._MODES}, {@code Unpack.c}, {@code Convert.c}):
 * <ul>
 *   <li>Alpha is dropped, never composited.</li>
 *   <li>Grey: R = G = B = grey. Grey with fewer than 8 bits is scaled to 0..255
 *       ({@code v * 255 / (2^bits - 1)}: Pillow's {@code 1}, {@code L;2}, {@code L;4}).</li>
 *   <li>16-bit grey without alpha: Pillow opens it as mode {@code I} (9.x) or {@code I;16} (10+);
 *       both convert to RGB by <em>clamping</em> ({@code min(v, 255)}, {@code Convert.c i2rgb} /
 *       {@code I16_RGB}), so most 16-bit grey images come out nearly white. Reproduced as is.</li>
 *   <li>16-bit grey+alpha, 16-bit RGB(A): Pillow's unpackers {@code LA;16B}, {@code RGB;16B},
 *       {@code RGBA;16B} keep the high byte ({@code v >>> 8}, truncation).</li>
 *   <li>Palette: palette lookup; indices beyond the file's palette give black (Pillow's palette
 *       memory is zero-initialized). Palette transparency is ignored.</li>
 *   <li>CMYK samples (only if a plug-in delivers them): Pillow's {@code cmyk2rgb} formula.</li>
 *   <li>Anything else (YCbCr rasters, float samples, exotic colour spaces): converted through the
 *       image's {@link ColorModel}; documented as approximate.</li>
 * </ul>
 */
final class RasterConverter {

    private RasterConverter() {
    }

    /**
     * Converts the image.
     *
     * @param png facts from the PNG chunk headers, or {@code null} if the source is not a PNG
     */
    static byte[] toRgb(BufferedImage img, PngInfo png) {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int dataType = raster.getDataBuffer().getDataType();
        boolean integral = dataType == DataBuffer.TYPE_BYTE || dataType == DataBuffer.TYPE_USHORT
                || dataType == DataBuffer.TYPE_SHORT || dataType == DataBuffer.TYPE_INT;

        if (cm instanceof IndexColorModel icm) {
            int limit = png != null && png.colorType() == 3 ? Math.min(png.paletteSize(), icm.getMapSize())
                    : icm.getMapSize();
            convertIndexed(raster, icm, limit, out);
            return out;
        }
        int colours = cm.getNumColorComponents();
        int csType = cm.getColorSpace().getType();
        if (integral && colours == 1) {
            boolean clamp16 = png != null ? png.colorType() == 0 : !cm.hasAlpha();
            convertGray(raster, clamp16, out);
        } else if (integral && colours == 3 && csType == ColorSpace.TYPE_RGB) {
            convertRgb(raster, out);
        } else if (integral && colours == 4 && csType == ColorSpace.TYPE_CMYK) {
            convertCmyk(raster, out);
        } else {
            convertViaColorModel(raster, cm, out);
        }
        return out;
    }

    /** Maps one sample of {@code bits} bits to 8 bits the way Pillow's unpackers do. */
    private static int to8(int v, int bits, boolean clampInsteadOfHighByte) {
        if (bits == 8) {
            return v & 0xFF;
        }
        if (bits < 8) {
            return v * 255 / ((1 << bits) - 1);
        }
        if (clampInsteadOfHighByte) {
            return v < 0 ? 0 : Math.min(v, 255);
        }
        return (v >>> (bits - 8)) & 0xFF;
    }

    private static void convertGray(Raster r, boolean clamp16, byte[] out) {
        int w = r.getWidth();
        int h = r.getHeight();
        int bits = r.getSampleModel().getSampleSize(0);
        // For 8-bit grey a lookup is the identity; for the other depths precompute nothing: rare.
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                byte g = (byte) to8(row[x], bits, clamp16);
                out[o++] = g;
                out[o++] = g;
                out[o++] = g;
            }
        }
    }

    private static void convertRgb(Raster r, byte[] out) {
        SampleModel sm = r.getSampleModel();
        int bits0 = sm.getSampleSize(0);
        boolean sameBits = sm.getSampleSize(1) == bits0 && sm.getSampleSize(2) == bits0;
        if (sameBits && (bits0 == 8 || bits0 == 16) && sm instanceof ComponentSampleModel csm
                && (r.getDataBuffer() instanceof DataBufferByte || r.getDataBuffer() instanceof DataBufferUShort)) {
            convertComponentFast(r, csm, bits0, out);
            return;
        }
        int w = r.getWidth();
        int h = r.getHeight();
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int bits = sm.getSampleSize(c);
            for (int y = 0; y < h; y++) {
                r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, c, row);
                int o = y * w * 3 + c;
                for (int x = 0; x < w; x++, o += 3) {
                    out[o] = (byte) to8(row[x], bits, false);
                }
            }
        }
    }

    /** Direct array access for the common interleaved/banded byte and ushort layouts. */
    private static void convertComponentFast(Raster r, ComponentSampleModel csm, int bits, byte[] out) {
        int w = r.getWidth();
        int h = r.getHeight();
        DataBuffer db = r.getDataBuffer();
        int pixelStride = csm.getPixelStride();
        int scanStride = csm.getScanlineStride();
        int[] bandOffsets = csm.getBandOffsets();
        int[] banks = csm.getBankIndices();
        int tx = r.getMinX() - r.getSampleModelTranslateX();
        int ty = r.getMinY() - r.getSampleModelTranslateY();
        for (int c = 0; c < 3; c++) {
            if (db instanceof DataBufferByte bb) {
                byte[] src = bb.getData(banks[c]);
                int base = bb.getOffsets()[banks[c]] + bandOffsets[c];
                for (int y = 0; y < h; y++) {
                    int s = base + (y + ty) * scanStride + tx * pixelStride;
                    int o = y * w * 3 + c;
                    for (int x = 0; x < w; x++, s += pixelStride, o += 3) {
                        out[o] = src[s];
                    }
                }
            } else {
                DataBufferUShort us = (DataBufferUShort) db;
                short[] src = us.getData(banks[c]);
                int base = us.getOffsets()[banks[c]] + bandOffsets[c];
                int shift = bits - 8;
                for (int y = 0; y < h; y++) {
                    int s = base + (y + ty) * scanStride + tx * pixelStride;
                    int o = y * w * 3 + c;
                    for (int x = 0; x < w; x++, s += pixelStride, o += 3) {
                        out[o] = (byte) ((src[s] & 0xFFFF) >>> shift);
                    }
                }
            }
        }
    }

    private static void convertIndexed(Raster r, IndexColorModel icm, int limit, byte[] out) {
        int size = icm.getMapSize();
        byte[] reds = new byte[size];
        byte[] greens = new byte[size];
        byte[] blues = new byte[size];
        icm.getReds(reds);
        icm.getGreens(greens);
        icm.getBlues(blues);
        int w = r.getWidth();
        int h = r.getHeight();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int i = row[x];
                if (i >= 0 && i < limit) {
                    out[o] = reds[i];
                    out[o + 1] = greens[i];
                    out[o + 2] = blues[i];
                } // else black: out is zero-filled
                o += 3;
            }
        }
    }

    /** Pillow {@code cmyk2rgb}: {@code nk = 255 - k; out = clip8(nk - muldiv255(c, nk))}. */
    private static void convertCmyk(Raster r, byte[] out) {
        int w = r.getWidth();
        int h = r.getHeight();
        SampleModel sm = r.getSampleModel();
        int[][] rows = new int[4][w];
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 4; c++) {
                r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, c, rows[c]);
            }
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int nk = 255 - to8(rows[3][x], sm.getSampleSize(3), false);
                for (int c = 0; c < 3; c++) {
                    int t = to8(rows[c][x], sm.getSampleSize(c), false) * nk + 128;
                    int v = nk - (((t >> 8) + t) >> 8);
                    out[o++] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
    }

    /** Fallback for layouts Pillow has no simple equivalent for: the colour model's own sRGB view. */
    private static void convertViaColorModel(Raster r, ColorModel cm, byte[] out) {
        int w = r.getWidth();
        int h = r.getHeight();
        Object pixel = null;
        int o = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                pixel = r.getDataElements(r.getMinX() + x, r.getMinY() + y, pixel);
                out[o++] = (byte) cm.getRed(pixel);
                out[o++] = (byte) cm.getGreen(pixel);
                out[o++] = (byte) cm.getBlue(pixel);
            }
        }
    }
}
