package org.vlm4j.vision;

/**
 * EXIF orientation (tag 0x0112): reading it from a JPEG {@code APP1 "Exif"} segment or a PNG
 * {@code eXIf} chunk, and applying it to an {@link RgbImage}.
 *
 * <p>The InternVL reference pipeline ({@code Image.open(f).convert('RGB')}) does <em>not</em> apply
 * EXIF orientation, so the decoder leaves it off by default. It is offered as an option because a
 * phone photo stored sideways is usually meant upright; turning it on gives what Pillow's
 * {@code ImageOps.exif_transpose} gives. The mapping of the eight values:
 *
 * <pre>
 *   1 as stored          5 transpose (mirror along the main diagonal)
 *   2 mirror left-right  6 rotate 90 degrees clockwise
 *   3 rotate 180         7 transverse (mirror along the anti-diagonal)
 *   4 mirror top-bottom  8 rotate 90 degrees counter-clockwise
 * </pre>
 *
 * Parsing never throws: a missing, malformed or out-of-range orientation reads as 1.
 */
public final class ExifOrientation {

    private static final int TAG_ORIENTATION = 0x0112;

    private ExifOrientation() {
    }

    /**
     * The orientation stored in an image file: JPEG (first {@code APP1 "Exif\0\0"} segment before
     * the scan data) or PNG ({@code eXIf} chunk). Other formats, no EXIF, or a malformed EXIF block
     * give 1.
     */
    public static int read(byte[] file) {
        if (JpegSegments.isJpeg(file)) {
            return fromJpeg(file);
        }
        PngInfo png = PngInfo.parse(file);
        if (png != null && png.exif() != null) {
            byte[] e = png.exif();
            int off = startsWithExifHeader(e, 0, e.length) ? 6 : 0;
            return fromTiff(e, off, e.length - off);
        }
        return 1;
    }

    private static int fromJpeg(byte[] d) {
        int[] result = {1};
        JpegSegments.walk(d, (marker, off, len) -> {
            if (marker == 0xE1 && startsWithExifHeader(d, off, len)) {
                result[0] = fromTiff(d, off + 6, len - 6);
                return false; // the first EXIF block counts
            }
            return true;
        });
        return result[0];
    }

    private static boolean startsWithExifHeader(byte[] d, int off, int len) {
        return len >= 6 && d[off] == 'E' && d[off + 1] == 'x' && d[off + 2] == 'i' && d[off + 3] == 'f'
                && d[off + 4] == 0 && d[off + 5] == 0;
    }

    /** Reads the orientation from IFD0 of a TIFF structure at {@code d[off .. off+len)}. */
    static int fromTiff(byte[] d, int off, int len) {
        if (len < 8) {
            return 1;
        }
        boolean little;
        if (d[off] == 'I' && d[off + 1] == 'I') {
            little = true;
        } else if (d[off] == 'M' && d[off + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(d, off + 2, little) != 42) {
            return 1;
        }
        long ifd = u32(d, off + 4, little);
        if (ifd < 8 || ifd + 2 > len) {
            return 1;
        }
        int p = off + (int) ifd;
        int count = u16(d, p, little);
        p += 2;
        for (int i = 0; i < count; i++, p += 12) {
            if (p + 12 > off + len) {
                return 1;
            }
            if (u16(d, p, little) != TAG_ORIENTATION) {
                continue;
            }
            int type = u16(d, p + 2, little);
            long n = u32(d, p + 4, little);
            long value;
            if (type == 3 && n >= 1) { // SHORT, stored in the first two bytes of the value field
                value = u16(d, p + 8, little);
            } else if (type == 4 && n >= 1) { // LONG
                value = u32(d, p + 8, little);
            } else {
                return 1;
            }
            return value >= 1 && value <= 8 ? (int) value : 1;
        }
        return 1;
    }

    private static int u16(byte[] d, int p, boolean little) {
        int a = d[p] & 0xFF;
        int b = d[p + 1] & 0xFF;
        return little ? (b << 8 | a) : (a << 8 | b);
    }

    private static long u32(byte[] d, int p, boolean little) {
        long hi = u16(d, little ? p + 2 : p, little);
        long lo = u16(d, little ? p : p + 2, little);
        return hi << 16 | lo;
    }

    /**
     * Returns the image as it should be displayed for the given orientation (1..8); any other value
     * returns the image unchanged. Orientations 5..8 swap width and height.
     */
    public static RgbImage apply(RgbImage img, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = img.data();
        byte[] out = new byte[src.length];
        int o = 0;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                int s = (sy * w + sx) * 3;
                out[o++] = src[s];
                out[o++] = src[s + 1];
                out[o++] = src[s + 2];
            }
        }
        return new RgbImage(ow, oh, out, true);
    }
}
