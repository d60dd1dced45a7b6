package org.vlm4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.vision.ImageDecodeException.Reason;

/**
 * Decoding to RGB as Pillow's {@code Image.open(f).convert('RGB')}. Expected values for crafted
 * images come from Pillow's documented conversion rules (PngImagePlugin._MODES, Unpack.c,
 * Convert.c), written out here independently of the decoder.
 */
class ImageDecoderTest {

    private static final ImageDecoder DECODER = new ImageDecoder();

    private static RgbImage decode(byte[] png) throws ImageDecodeException {
        return DECODER.decode(png, "test.png");
    }

    /** Every pixel must be (v, v, v) with v = expectedGrey[i]. */
    private static void assertGrey(int[] expectedGrey, RgbImage img) {
        for (int i = 0; i < expectedGrey.length; i++) {
            int x = i % img.width();
            int y = i / img.width();
            int v = expectedGrey[i];
            assertEquals(v << 16 | v << 8 | v, img.rgbAt(x, y), "pixel " + i);
        }
    }

    // ---------------------------------------------------------------- fixtures

    @Test
    void fixtureImagesDecodeAtTheirStoredSize() throws Exception {
        assertEquals("448x448", size(DECODER.decode(VisionFixtures.bytes("images/img448.png"), "img448.png")));
        assertEquals("640x480", size(DECODER.decode(VisionFixtures.bytes("images/img640x480.png"), "a")));
        assertEquals("300x200", size(DECODER.decode(VisionFixtures.bytes("images/img300x200.png"), "a")));
        assertEquals("500x300", size(DECODER.decode(VisionFixtures.bytes("images/gray_alpha.png"), "a")));
        // EXIF orientation 6 is ignored by default, as in the reference
        assertEquals("800x533", size(DECODER.decode(VisionFixtures.bytes("images/img_photo.jpg"), "a")));
    }

    @Test
    void rgbPngIsDecodedToItsRawSamples() throws Exception {
        RgbImage ours = DECODER.decode(VisionFixtures.bytes("images/img448.png"), "img448.png");
        assertEquals(VisionFixtures.readRgbPngIndependently("images/img448.png"), ours);
    }

    @Test
    void greyAlphaPngDropsAlphaWithoutCompositing() throws Exception {
        byte[] file = VisionFixtures.bytes("images/gray_alpha.png");
        RgbImage img = DECODER.decode(file, "gray_alpha.png");
        Raster raw = ImageIO.read(new ByteArrayInputStream(file)).getRaster();
        assertEquals(2, raw.getNumBands(), "fixture is LA");
        int transparent = 0;
        int minGreyUnderTransparent = 255;
        int maxGreyUnderTransparent = 0;
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int g = raw.getSample(x, y, 0);
                assertEquals(g << 16 | g << 8 | g, img.rgbAt(x, y), "(" + x + "," + y + ")");
                if (raw.getSample(x, y, 1) == 0) {
                    transparent++;
                    minGreyUnderTransparent = Math.min(minGreyUnderTransparent, g);
                    maxGreyUnderTransparent = Math.max(maxGreyUnderTransparent, g);
                }
            }
        }
        // the fully transparent band carries real grey values: compositing would flatten them
        assertTrue(transparent > 10_000, "transparent pixels: " + transparent);
        assertTrue(maxGreyUnderTransparent - minGreyUnderTransparent > 50,
                "grey range under alpha 0: " + minGreyUnderTransparent + ".." + maxGreyUnderTransparent);
    }

    @Test
    void jpegDecodeIsCloseToPillowLibjpegTurbo() throws Exception {
        RgbImage ours = DECODER.decode(VisionFixtures.bytes("images/img_photo.jpg"), "img_photo.jpg");
        RgbImage pil = VisionFixtures.readRgbPngIndependently("images/img_photo.decoded.png");
        assertEquals(size(pil), size(ours));
        byte[] a = ours.toByteArray();
        byte[] b = pil.toByteArray();
        int max = 0;
        long sum = 0;
        int differing = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
            max = Math.max(max, d);
            sum += d;
            if (d != 0) {
                differing++;
            }
        }
        double mean = (double) sum / a.length;
        System.out.printf("JPEG vs PIL: max |diff| %d, mean |diff| %.5f, %d of %d samples differ%n",
                max, mean, differing, a.length);
        // Measured with JDK 25: identical (max 0). Allow IDCT-rounding noise from other JDK builds.
        assertTrue(max <= 2, "max |diff| " + max);
        assertTrue(mean < 0.05, "mean |diff| " + mean);
    }

    @Test
    void exifOrientationIsAppliedOnlyWhenAsked() throws Exception {
        byte[] jpg = VisionFixtures.bytes("images/img_photo.jpg");
        assertEquals(6, ExifOrientation.read(jpg));
        RgbImage stored = DECODER.decode(jpg, "img_photo.jpg");
        RgbImage upright = DECODER.withExifOrientation(true).decode(jpg, "img_photo.jpg");
        assertEquals("533x800", size(upright));
        // orientation 6 = rotate 90 degrees clockwise: stored top-left ends up top-right
        assertEquals(stored.rgbAt(0, 0), upright.rgbAt(532, 0));
        assertEquals(stored.rgbAt(799, 0), upright.rgbAt(532, 799));
        assertEquals(stored.rgbAt(0, 532), upright.rgbAt(0, 0));
        assertEquals(ExifOrientation.apply(stored, 6), upright);
    }

    @Test
    void embeddedIccProfilesAreIgnoredLikePillow() throws Exception {
        // Pillow's convert('RGB') never applies ICC profiles; the JDK must not colour-convert either.
        byte[] profile = ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData();
        byte[] jpg = VisionFixtures.bytes("images/img_photo.jpg");
        byte[] head = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
        int segLen = 2 + head.length + 2 + profile.length;
        ByteArrayOutputStream app2 = new ByteArrayOutputStream();
        app2.write(0xFF);
        app2.write(0xE2);
        app2.write(segLen >> 8);
        app2.write(segLen);
        app2.writeBytes(head);
        app2.write(1); // chunk 1 of 1
        app2.write(1);
        app2.writeBytes(profile);
        ByteArrayOutputStream withIcc = new ByteArrayOutputStream();
        withIcc.write(jpg, 0, 2);
        withIcc.writeBytes(app2.toByteArray());
        withIcc.write(jpg, 2, jpg.length - 2);
        RgbImage plain = DECODER.decode(jpg, "img_photo.jpg");
        assertEquals(plain, DECODER.decode(withIcc.toByteArray(), "icc.jpg"), "JPEG with a linear-RGB ICC profile");

        int[] s = {10, 20, 30, 200, 100, 50};
        byte[] png = TestPng.png(2, 1, 8, 2, s, null, null, null);
        ByteArrayOutputStream iccp = new ByteArrayOutputStream();
        iccp.writeBytes("linear\0".getBytes(StandardCharsets.ISO_8859_1));
        iccp.write(0); // compression method: zlib
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(z)) {
            d.write(profile);
        }
        iccp.writeBytes(z.toByteArray());
        byte[] chunk = TestPng.chunk("iCCP", iccp.toByteArray());
        byte[] gama = TestPng.chunk("gAMA", new byte[] {0, 0, (byte) 0x3A, (byte) 0x98}); // gamma 0.15, ignored by Pillow too
        ByteArrayOutputStream withChunks = new ByteArrayOutputStream();
        withChunks.write(png, 0, 33); // signature + IHDR
        withChunks.writeBytes(chunk);
        withChunks.writeBytes(gama);
        withChunks.write(png, 33, png.length - 33);
        assertArrayEquals(new byte[] {10, 20, 30, (byte) 200, 100, 50},
                DECODER.decode(withChunks.toByteArray(), "icc.png").toByteArray(), "PNG with iCCP and gAMA");
    }

    // ---------------------------------------------------------------- crafted PNGs, Pillow rules

    @Test
    void grey8IsReplicated() throws Exception {
        int[] s = {0, 1, 127, 128, 254, 255};
        assertGrey(s, decode(TestPng.png(3, 2, 8, 0, s, null, null, null)));
    }

    @Test
    void greyBelow8BitsIsScaledToFullRange() throws Exception {
        // Pillow: mode "1" -> 0/255; "L;2" -> v*0x55; "L;4" -> v*0x11
        int[] one = {0, 1, 1, 0};
        assertGrey(new int[] {0, 255, 255, 0}, decode(TestPng.png(4, 1, 1, 0, one, null, null, null)));
        int[] two = {0, 1, 2, 3};
        assertGrey(new int[] {0, 85, 170, 255}, decode(TestPng.png(4, 1, 2, 0, two, null, null, null)));
        int[] four = {0, 1, 7, 8, 14, 15};
        assertGrey(new int[] {0, 17, 119, 136, 238, 255}, decode(TestPng.png(6, 1, 4, 0, four, null, null, null)));
    }

    @Test
    void grey16IsClampedLikePillowModeI() throws Exception {
        // Pillow opens 16-bit grey as "I" (9.x) / "I;16" (10+); convert('RGB') clamps to 0..255.
        int[] s = {0, 1, 200, 255, 256, 1000, 0x8000, 0xFFFF};
        int[] expected = {0, 1, 200, 255, 255, 255, 255, 255};
        assertGrey(expected, decode(TestPng.png(4, 2, 16, 0, s, null, null, null)));
        // with a tRNS chunk (the JDK then adds an alpha band) Pillow's mode is still "I": clamp
        byte[] trns = {0x03, (byte) 0xE8}; // grey 1000 transparent
        assertGrey(expected, decode(TestPng.png(4, 2, 16, 0, s, null, trns, null)));
    }

    @Test
    void greyAlpha16KeepsTheHighByte() throws Exception {
        // (16, 4) -> mode RGBA via rawmode "LA;16B": grey = high byte, alpha dropped
        int[] s = {0x0000, 0xFFFF, 0x01FF, 0x0000, 0x8000, 0x1234, 0xFFFF, 0x7F80};
        assertGrey(new int[] {0x00, 0x01, 0x80, 0xFF}, decode(TestPng.png(4, 1, 16, 4, s, null, null, null)));
    }

    @Test
    void rgb16AndRgba16KeepTheHighByte() throws Exception {
        int[] rgb = {0x1234, 0xABCD, 0x00FF, 0xFF00, 0x8080, 0x7FFF};
        RgbImage a = decode(TestPng.png(2, 1, 16, 2, rgb, null, null, null));
        assertArrayEquals(new byte[] {0x12, (byte) 0xAB, 0x00, (byte) 0xFF, (byte) 0x80, 0x7F}, a.toByteArray());
        int[] rgba = {0x1234, 0xABCD, 0x00FF, 0x0000, 0xFF00, 0x8080, 0x7FFF, 0x1111};
        RgbImage b = decode(TestPng.png(2, 1, 16, 6, rgba, null, null, null));
        assertArrayEquals(new byte[] {0x12, (byte) 0xAB, 0x00, (byte) 0xFF, (byte) 0x80, 0x7F}, b.toByteArray());
    }

    @Test
    void rgba8AndRgbWithTransparencyDropAlpha() throws Exception {
        int[] rgba = {10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255};
        assertArrayEquals(new byte[] {10, 20, 30, 40, 50, 60, 70, 80, 90},
                decode(TestPng.png(3, 1, 8, 6, rgba, null, null, null)).toByteArray());
        int[] rgb = {10, 20, 30, 40, 50, 60};
        byte[] trns = {0, 10, 0, 20, 0, 30}; // first pixel's colour is transparent
        assertArrayEquals(new byte[] {10, 20, 30, 40, 50, 60},
                decode(TestPng.png(2, 1, 8, 2, rgb, null, trns, null)).toByteArray());
        int[] la = {77, 0, 200, 255};
        assertGrey(new int[] {77, 200}, decode(TestPng.png(2, 1, 8, 4, la, null, null, null)));
        int[] grey = {5, 6};
        assertGrey(new int[] {5, 6}, decode(TestPng.png(2, 1, 8, 0, grey, null, new byte[] {0, 5}, null)));
    }

    @Test
    void paletteIsExpandedAndItsTransparencyIgnored() throws Exception {
        byte[] plte = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 12, 34, 56};
        int[] idx = {0, 1, 2, 3, 3, 0};
        byte[] expected = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 12, 34, 56, 12, 34, 56,
            (byte) 255, 0, 0};
        for (int depth : new int[] {8, 4, 2}) {
            assertArrayEquals(expected, decode(TestPng.png(3, 2, depth, 3, idx, plte, null, null)).toByteArray(),
                    "depth " + depth);
        }
        byte[] trns = {0, (byte) 128};
        assertArrayEquals(expected, decode(TestPng.png(3, 2, 8, 3, idx, plte, trns, null)).toByteArray());
        int[] bits = {0, 1, 1, 0};
        assertArrayEquals(new byte[] {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, (byte) 255, 0, (byte) 255, 0, 0},
                decode(TestPng.png(4, 1, 1, 3, bits, Arrays.copyOf(plte, 6), null, null)).toByteArray());
    }

    @Test
    void paletteIndexBeyondThePaletteIsBlack() throws Exception {
        // Pillow's palette memory is zero-initialized: an index past the PLTE entries maps to black.
        byte[] plte = {10, 20, 30, 40, 50, 60};
        int[] idx = {0, 1, 2, 200};
        assertArrayEquals(new byte[] {10, 20, 30, 40, 50, 60, 0, 0, 0, 0, 0, 0},
                decode(TestPng.png(4, 1, 8, 3, idx, plte, null, null)).toByteArray());
    }

    @Test
    void imageIoWrittenGreyAndPaletteImagesDecodeToTheirSamples() throws Exception {
        BufferedImage grey = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        int[] g = new int[15];
        for (int i = 0; i < 15; i++) {
            g[i] = i * 17;
        }
        grey.getRaster().setSamples(0, 0, 5, 3, 0, g);
        // getRGB would gamma-convert these (e.g. 17 -> 68); the raw samples must come through
        assertGrey(g, decode(write(grey, "png")));
        BufferedImage grey16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {100, 40000});
        assertGrey(new int[] {100, 255}, decode(write(grey16, "png")));
    }

    @Test
    void gifGivesTheFirstFrame() throws Exception {
        BufferedImage f1 = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED);
        BufferedImage f2 = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                f1.setRGB(x, y, 0xFF0000);
                f2.setRGB(x, y, 0x0000FF);
            }
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bos)) {
            w.setOutput(out);
            w.prepareWriteSequence(null);
            for (BufferedImage f : new BufferedImage[] {f1, f2}) {
                IIOMetadata md = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(f), null);
                w.writeToSequence(new IIOImage(f, null, md), null);
            }
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
        RgbImage img = DECODER.decode(bos.toByteArray(), "anim.gif");
        assertEquals("4x4", size(img));
        assertEquals(0xFF0000, img.rgbAt(2, 2));
    }

    @Test
    void otherLosslessFormatsRoundTrip() throws Exception {
        // any registered reader is used; BMP/TIFF of an INT_RGB image come back sample for sample
        BufferedImage src = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(9);
        byte[] expected = new byte[7 * 5 * 3];
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                int rgb = rnd.nextInt(1 << 24);
                src.setRGB(x, y, rgb);
                int i = (y * 7 + x) * 3;
                expected[i] = (byte) (rgb >> 16);
                expected[i + 1] = (byte) (rgb >> 8);
                expected[i + 2] = (byte) rgb;
            }
        }
        for (String format : new String[] {"bmp", "tiff", "png"}) {
            assertArrayEquals(expected, DECODER.decode(write(src, format), "x." + format).toByteArray(), format);
        }
    }

    @Test
    void gifFirstFrameIsPlacedOnTheLogicalScreenLikePillow() throws Exception {
        byte[] pal = {0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255}; // black red green blue
        int[] frame = {1, 2, 3, 1, 2, 3}; // 3x2 at (1, 1) on a 5x4 screen
        // no transparency: the uncovered area is palette index 0 (black)
        RgbImage a = DECODER.decode(gif(5, 4, pal, 1, 1, 3, 2, frame, -1), "offset.gif");
        assertEquals("5x4", size(a));
        assertEquals(0x000000, a.rgbAt(0, 0));
        assertEquals(0xFF0000, a.rgbAt(1, 1));
        assertEquals(0x00FF00, a.rgbAt(2, 1));
        assertEquals(0x0000FF, a.rgbAt(3, 2));
        assertEquals(0x000000, a.rgbAt(4, 3));
        // transparent index 2: the canvas is pre-filled with it, and its palette colour shows (alpha dropped)
        RgbImage b = DECODER.decode(gif(5, 4, pal, 1, 1, 3, 2, frame, 2), "offset.gif");
        assertEquals(0x00FF00, b.rgbAt(0, 0));
        assertEquals(0x00FF00, b.rgbAt(2, 1));
        assertEquals(0xFF0000, b.rgbAt(1, 1));
        // a frame covering the screen is returned as is
        RgbImage c = DECODER.decode(gif(3, 2, pal, 0, 0, 3, 2, frame, -1), "full.gif");
        assertEquals("3x2", size(c));
        assertEquals(0x0000FF, c.rgbAt(2, 1));
    }

    /** A GIF89a with a 4-colour global palette and one frame, LZW-coded with a clear code every two pixels. */
    private static byte[] gif(int sw, int sh, byte[] pal, int left, int top, int fw, int fh, int[] idx, int transparent) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GIF89a".getBytes(StandardCharsets.US_ASCII));
        le16(out, sw);
        le16(out, sh);
        out.write(0x91); // global colour table, 2 bits per entry: 4 colours
        out.write(0);
        out.write(0);
        out.writeBytes(pal);
        if (transparent >= 0) {
            out.writeBytes(new byte[] {0x21, (byte) 0xF9, 4, 1, 0, 0, (byte) transparent, 0});
        }
        out.write(0x2C);
        le16(out, left);
        le16(out, top);
        le16(out, fw);
        le16(out, fh);
        out.write(0);
        out.write(2); // LZW minimum code size: clear = 4, end = 5, codes of 3 bits
        long bits = 0;
        int nbits = 0;
        ByteArrayOutputStream lzw = new ByteArrayOutputStream();
        int[] codes = new int[idx.length + (idx.length + 1) / 2 + 1];
        int n = 0;
        for (int i = 0; i < idx.length; i++) {
            if (i % 2 == 0) {
                codes[n++] = 4;
            }
            codes[n++] = idx[i];
        }
        codes[n++] = 5;
        for (int i = 0; i < n; i++) {
            bits |= (long) codes[i] << nbits;
            nbits += 3;
            while (nbits >= 8) {
                lzw.write((int) (bits & 0xFF));
                bits >>>= 8;
                nbits -= 8;
            }
        }
        if (nbits > 0) {
            lzw.write((int) bits);
        }
        byte[] data = lzw.toByteArray();
        out.write(data.length); // one sub-block (< 256 bytes here)
        out.writeBytes(data);
        out.write(0);
        out.write(0x3B);
        return out.toByteArray();
    }

    private static void le16(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write(v >>> 8);
    }

    // ---------------------------------------------------------------- errors

    @Test
    void randomBytesAreAnUnknownFormat() {
        byte[] junk = new byte[1000];
        new Random(1).nextBytes(junk);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(junk, "junk.bin"));
        assertEquals(Reason.UNKNOWN_FORMAT, e.reason());
        assertTrue(e.getMessage().startsWith("junk.bin: unknown or unsupported image format"), e.getMessage());
        ImageDecodeException empty = assertThrows(ImageDecodeException.class,
                () -> DECODER.decode(new byte[0], "empty.png"));
        assertTrue(empty.getMessage().contains("empty.png") && empty.getMessage().contains("empty"));
    }

    @Test
    void truncatedPngFails() {
        byte[] png = VisionFixtures.bytes("images/img448.png");
        for (int len : new int[] {png.length / 2, 40, 12}) {
            byte[] cut = Arrays.copyOf(png, len);
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(cut, "cut.png"),
                    "length " + len);
            assertTrue(e.getMessage().startsWith("cut.png: "), e.getMessage());
            assertTrue(e.reason() == Reason.CORRUPT || e.reason() == Reason.UNKNOWN_FORMAT, e.getMessage());
            System.out.println("truncated PNG (" + len + " bytes): " + e.getMessage());
        }
    }

    @Test
    void truncatedJpegFails() {
        byte[] jpg = VisionFixtures.bytes("images/img_photo.jpg");
        for (int len : new int[] {jpg.length / 2, jpg.length - 2, 1000}) {
            byte[] cut = Arrays.copyOf(jpg, len);
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(cut, "cut.jpg"),
                    "length " + len);
            assertEquals(Reason.CORRUPT, e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("cut.jpg: "), e.getMessage());
            System.out.println("truncated JPEG (" + len + " bytes): " + e.getMessage());
        }
    }

    @Test
    void hugeHeaderFailsFastWithoutAllocating() throws Exception {
        byte[] bomb = TestPng.headerOnly(100_000, 100_000);
        ImageDecodeException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ImageDecodeException.class, () -> DECODER.decode(bomb, "bomb.png")));
        assertEquals(Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("bomb.png") && e.getMessage().contains("100000x100000"), e.getMessage());
        // the limit is configurable
        byte[] small = TestPng.png(10, 10, 8, 0, new int[100], null, null, null);
        assertThrows(ImageDecodeException.class, () -> DECODER.withMaxPixels(99).decode(small, "a.png"));
        assertEquals(10, DECODER.withMaxPixels(100).decode(small, "a.png").width());
    }

    @Test
    void zeroSizeIsRejected() {
        for (int[] wh : new int[][] {{0, 10}, {10, 0}}) {
            byte[] png = TestPng.headerOnly(wh[0], wh[1]);
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(png, "zero.png"));
            assertTrue(e.getMessage().startsWith("zero.png: "), e.getMessage());
            assertEquals(Reason.ZERO_SIZE, e.reason(), e.getMessage());
            System.out.println("zero-size " + wh[0] + "x" + wh[1] + ": " + e.getMessage());
        }
    }

    @Test
    void fileLevelErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.png");
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(missing));
        assertEquals(Reason.UNREADABLE, e.reason());
        assertTrue(e.getMessage().contains("nope.png"));
        Path big = dir.resolve("big.png");
        Files.write(big, new byte[2000]);
        ImageDecodeException tooBig = assertThrows(ImageDecodeException.class,
                () -> DECODER.withMaxFileBytes(1000).decode(big));
        assertEquals(Reason.TOO_LARGE, tooBig.reason());
        Path ok = dir.resolve("ok.png");
        Files.write(ok, VisionFixtures.bytes("images/img300x200.png"));
        assertEquals("300x200", size(DECODER.decode(ok)));
        assertEquals("300x200", size(DECODER.decode(new ByteArrayInputStream(Files.readAllBytes(ok)), "stream")));
    }

    // ---------------------------------------------------------------- helpers

    private static String size(RgbImage img) {
        return img.width() + "x" + img.height();
    }

    private static byte[] write(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, bos));
        return bos.toByteArray();
    }
}
