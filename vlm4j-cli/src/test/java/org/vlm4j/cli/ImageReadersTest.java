package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.vision.ImageDecoder;
import org.vlm4j.vision.RgbImage;

/**
 * The TwelveMonkeys ImageIO readers the CLI adds are found by the core's {@link ImageDecoder}:
 * lossless WebP decodes to exactly the pixels of the PNG it was made from, and a CMYK JPEG (which
 * the JDK's own reader refuses) decodes close to Pillow's reading of it. Fixtures in
 * fixtures/cli (made with Pillow, see SOURCES.md there).
 */
class ImageReadersTest {
    @TempDir
    static Path tmp;

    static RgbImage decode(String name) throws Exception {
        return new ImageDecoder().decode(Fixtures.resource("/fixtures/cli/" + name, tmp));
    }

    @Test
    void readersAreRegistered() {
        assertTrue(ImageIO.getImageReadersByFormatName("webp").hasNext(), "WebP reader");
        assertTrue(ImageIO.getImageReadersByMIMEType("image/webp").hasNext());
        boolean twelveMonkeysJpeg = false;
        for (var it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext();) {
            twelveMonkeysJpeg |= it.next().getClass().getName().startsWith("com.twelvemonkeys.");
        }
        assertTrue(twelveMonkeysJpeg, "TwelveMonkeys JPEG reader (CMYK, YCCK, broken ICC profiles)");
        assertTrue(ImageIO.getImageReadersByFormatName("bmp").hasNext());
    }

    @Test
    void losslessWebpEqualsThePng() throws Exception {
        RgbImage png = decode("small64x40.png");
        RgbImage webp = decode("small64x40.lossless.webp");
        assertEquals(64, webp.width());
        assertEquals(40, webp.height());
        assertArrayEquals(png.toByteArray(), webp.toByteArray());
    }

    @Test
    void cmykJpegDecodesCloseToPillow() throws Exception {
        RgbImage cmyk = decode("small64x40.cmyk.jpg");
        RgbImage pillow = decode("small64x40.cmyk.pillow.png");
        assertEquals(64, cmyk.width());
        assertEquals(40, cmyk.height());
        byte[] a = cmyk.toByteArray();
        byte[] b = pillow.toByteArray();
        double sum = 0;
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
            sum += d;
            max = Math.max(max, d);
        }
        double mean = sum / a.length;
        // measured: identical (both invert Adobe CMYK and convert naively); allow IDCT rounding differences
        assertTrue(mean < 0.5 && max <= 3, "mean absolute difference " + mean + ", max " + max);
    }
}
