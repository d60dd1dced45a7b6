package org.vlm4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * EXIF orientation parsing and the eight transforms. Expected images are built from the EXIF
 * definition ("which side of the displayed image row 0 and column 0 of the stored image are on"),
 * not from the transform code.
 */
class ExifOrientationTest {

    /** Side of the displayed image that stored row 0 / stored column 0 lies on, per orientation 1..8. */
    private static final String[] ROW0 = {null, "top", "top", "bottom", "bottom", "left", "right", "right", "left"};
    private static final String[] COL0 = {null, "left", "right", "right", "left", "top", "top", "bottom", "bottom"};

    /** Display image: every pixel unique. */
    private static RgbImage visual(int w, int h) {
        byte[] b = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            b[3 * i] = (byte) (i * 7 + 1);
            b[3 * i + 1] = (byte) (i * 13 + 5);
            b[3 * i + 2] = (byte) (i / 3 + 100);
        }
        return new RgbImage(w, h, b);
    }

    /** The stored image that an EXIF-aware viewer displays as {@code v} under orientation {@code o}. */
    private static RgbImage stored(RgbImage v, int o) {
        boolean rowsVertical = ROW0[o].equals("top") || ROW0[o].equals("bottom");
        int sw = rowsVertical ? v.width() : v.height();
        int sh = rowsVertical ? v.height() : v.width();
        byte[] b = new byte[sw * sh * 3];
        for (int sy = 0; sy < sh; sy++) {
            for (int sx = 0; sx < sw; sx++) {
                int vx = -1;
                int vy = -1;
                switch (ROW0[o]) {
                    case "top" -> vy = sy;
                    case "bottom" -> vy = v.height() - 1 - sy;
                    case "left" -> vx = sy;
                    default -> vx = v.width() - 1 - sy;
                }
                switch (COL0[o]) {
                    case "top" -> vy = sx;
                    case "bottom" -> vy = v.height() - 1 - sx;
                    case "left" -> vx = sx;
                    default -> vx = v.width() - 1 - sx;
                }
                int p = v.rgbAt(vx, vy);
                int i = (sy * sw + sx) * 3;
                b[i] = (byte) (p >> 16);
                b[i + 1] = (byte) (p >> 8);
                b[i + 2] = (byte) p;
            }
        }
        return new RgbImage(sw, sh, b);
    }

    /** A TIFF block with IFD0 = {an unrelated tag, Orientation}. */
    static byte[] tiff(boolean little, int orientation, int type) {
        byte[] t = new byte[8 + 2 + 2 * 12 + 4];
        put16(t, 0, little ? 0x4949 : 0x4D4D, false);
        put16(t, 2, 42, little);
        put32(t, 4, 8, little);
        put16(t, 8, 2, little);
        // entry 1: ImageWidth (0x0100) SHORT 1 = 640
        put16(t, 10, 0x0100, little);
        put16(t, 12, 3, little);
        put32(t, 14, 1, little);
        put16(t, 18, 640, little);
        // entry 2: Orientation
        put16(t, 22, 0x0112, little);
        put16(t, 24, type, little);
        put32(t, 26, 1, little);
        if (type == 4) {
            put32(t, 30, orientation, little);
        } else {
            put16(t, 30, orientation, little);
        }
        return t;
    }

    private static void put16(byte[] b, int p, int v, boolean little) {
        b[p + (little ? 0 : 1)] = (byte) v;
        b[p + (little ? 1 : 0)] = (byte) (v >>> 8);
    }

    private static void put32(byte[] b, int p, int v, boolean little) {
        put16(b, little ? p : p + 2, v & 0xFFFF, little);
        put16(b, little ? p + 2 : p, v >>> 16, little);
    }

    private static byte[] rgbPng(RgbImage img, byte[] exif) {
        byte[] rgb = img.toByteArray();
        int[] s = new int[rgb.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = rgb[i] & 0xFF;
        }
        return TestPng.png(img.width(), img.height(), 8, 2, s, null, null, exif);
    }

    @Test
    void allEightOrientationsDisplayTheVisualImage() throws Exception {
        RgbImage v = visual(5, 3);
        ImageDecoder plain = new ImageDecoder();
        ImageDecoder rotating = plain.withExifOrientation(true);
        for (int o = 1; o <= 8; o++) {
            RgbImage s = stored(v, o);
            for (boolean little : new boolean[] {true, false}) {
                byte[] png = rgbPng(s, tiff(little, o, 3));
                assertEquals(o, ExifOrientation.read(png), "orientation " + o);
                assertEquals(s, plain.decode(png, "o.png"), "stored pixels unchanged by default, o=" + o);
                assertEquals(v, rotating.decode(png, "o.png"), "displayed image, o=" + o + " little=" + little);
            }
            assertEquals(v, ExifOrientation.apply(s, o), "apply, o=" + o);
        }
    }

    @Test
    void exifHeaderPrefixAndLongTypeAreAccepted() {
        RgbImage s = visual(2, 2);
        byte[] t = tiff(false, 8, 4);
        byte[] prefixed = new byte[6 + t.length];
        System.arraycopy("Exif".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, prefixed, 0, 4);
        System.arraycopy(t, 0, prefixed, 6, t.length);
        assertEquals(8, ExifOrientation.read(rgbPng(s, prefixed)));
    }

    @Test
    void jpegApp1IsFound() throws Exception {
        BufferedImage bi = new BufferedImage(32, 16, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(bi, "jpg", bos);
        byte[] jpg = bos.toByteArray();
        for (int o = 1; o <= 8; o++) {
            byte[] t = tiff(o % 2 == 0, o, 3);
            byte[] app1 = new byte[4 + 6 + t.length];
            app1[0] = (byte) 0xFF;
            app1[1] = (byte) 0xE1;
            app1[2] = (byte) ((app1.length - 2) >> 8);
            app1[3] = (byte) (app1.length - 2);
            System.arraycopy("Exif".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, app1, 4, 4);
            System.arraycopy(t, 0, app1, 10, t.length);
            byte[] withExif = new byte[jpg.length + app1.length];
            // after SOI (2 bytes) and the JFIF APP0 written by ImageIO
            int app0End = 2 + 2 + (((jpg[4] & 0xFF) << 8) | (jpg[5] & 0xFF));
            System.arraycopy(jpg, 0, withExif, 0, app0End);
            System.arraycopy(app1, 0, withExif, app0End, app1.length);
            System.arraycopy(jpg, app0End, withExif, app0End + app1.length, jpg.length - app0End);
            assertEquals(o, ExifOrientation.read(withExif), "orientation " + o);
            RgbImage img = new ImageDecoder().withExifOrientation(true).decode(withExif, "o.jpg");
            assertEquals(o >= 5 ? 16 : 32, img.width(), "orientation " + o);
        }
    }

    @Test
    void malformedOrMissingExifReadsAsOne() {
        RgbImage s = visual(2, 2);
        assertEquals(1, ExifOrientation.read(rgbPng(s, null)));
        assertEquals(1, ExifOrientation.read(rgbPng(s, tiff(true, 9, 3)))); // out of range
        assertEquals(1, ExifOrientation.read(rgbPng(s, tiff(true, 0, 3))));
        assertEquals(1, ExifOrientation.read(rgbPng(s, tiff(true, 6, 5)))); // RATIONAL: wrong type
        byte[] bad = tiff(true, 6, 3);
        bad[0] = 'X';
        assertEquals(1, ExifOrientation.read(rgbPng(s, bad)));
        byte[] cut = java.util.Arrays.copyOf(tiff(true, 6, 3), 20); // entry runs past the end
        assertEquals(1, ExifOrientation.read(rgbPng(s, cut)));
        byte[] farIfd = tiff(false, 6, 3);
        put32(farIfd, 4, 1_000_000, false);
        assertEquals(1, ExifOrientation.read(rgbPng(s, farIfd)));
        assertEquals(1, ExifOrientation.read(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}));
        assertEquals(1, ExifOrientation.read(new byte[0]));
        assertEquals(s, ExifOrientation.apply(s, 1));
        assertEquals(s, ExifOrientation.apply(s, 42));
    }
}
