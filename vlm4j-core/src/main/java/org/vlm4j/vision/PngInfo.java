package org.vlm4j.vision;

/**
 * The few facts about a PNG file that {@code javax.imageio} hides but Pillow's conversion depends
 * on, read straight from the chunk headers.
 *
 * <ul>
 *   <li>Colour type and bit depth: the JDK reader turns a {@code tRNS} chunk into an alpha band, so
 *       the raster alone cannot tell a 16-bit grey image with {@code tRNS} (Pillow mode {@code I},
 *       converted by clamping) from a 16-bit grey+alpha image (Pillow unpacks the high byte).</li>
 *   <li>The real {@code PLTE} length: the JDK pads short palettes, Pillow maps indices beyond the
 *       palette to black (its palette memory is zero-initialized).</li>
 *   <li>The {@code eXIf} chunk, for optional EXIF orientation.</li>
 * </ul>
 *
 * @param width       IHDR width (may be 0 or absurd: not validated here)
 * @param height      IHDR height
 * @param colorType   IHDR colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA)
 * @param bitDepth    IHDR bit depth
 * @param paletteSize number of PLTE entries, 0 if there is none
 * @param exif        the eXIf chunk payload (a TIFF structure), or {@code null}
 */
record PngInfo(long width, long height, int colorType, int bitDepth, int paletteSize, byte[] exif) {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** True if {@code data} starts with the PNG signature. */
    static boolean isPng(byte[] data) {
        if (data.length < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (data[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Walks the chunk list. Returns {@code null} if the data is not a PNG or the IHDR is missing;
     * stops quietly at the first chunk that runs past the end of the data (the image reader reports
     * truncation itself).
     */
    static PngInfo parse(byte[] data) {
        if (!isPng(data) || data.length < 33) {
            return null;
        }
        int pos = 8;
        long width = -1;
        long height = -1;
        int colorType = -1;
        int bitDepth = -1;
        int paletteSize = 0;
        byte[] exif = null;
        while (pos + 8 <= data.length) {
            long length = u32(data, pos);
            int type = (int) u32(data, pos + 4);
            int body = pos + 8;
            if (length > data.length - body) {
                break;
            }
            int len = (int) length;
            switch (type) {
                case 0x49484452 -> { // IHDR
                    if (len >= 13) {
                        width = u32(data, body);
                        height = u32(data, body + 4);
                        bitDepth = data[body + 8] & 0xFF;
                        colorType = data[body + 9] & 0xFF;
                    }
                }
                case 0x504C5445 -> paletteSize = len / 3; // PLTE
                case 0x65584966 -> { // eXIf
                    if (exif == null) {
                        exif = java.util.Arrays.copyOfRange(data, body, body + len);
                    }
                }
                default -> { }
            }
            if (type == 0x49454E44) { // IEND
                break;
            }
            pos = body + len + 4; // skip CRC
        }
        return colorType < 0 ? null : new PngInfo(width, height, colorType, bitDepth, paletteSize, exif);
    }

    private static long u32(byte[] b, int p) {
        return ((b[p] & 0xFFL) << 24) | ((b[p + 1] & 0xFFL) << 16) | ((b[p + 2] & 0xFFL) << 8) | (b[p + 3] & 0xFFL);
    }
}
