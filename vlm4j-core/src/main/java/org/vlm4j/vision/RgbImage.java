package org.vlm4j.vision;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable 8-bit RGB image: {@code width x height} pixels stored row-major, three interleaved
 * bytes (R, G, B) per pixel, no padding.
 *
 * <p>This is the common currency of the vision package: the decoder produces it (the equivalent of
 * Pillow's {@code Image.open(f).convert('RGB')}), the resizer and the tiler consume and produce it.
 * It deliberately has no colour space, alpha or bit-depth options: InternVL works on plain
 * 8-bit RGB samples, and keeping one layout makes the Pillow-exact arithmetic easy to verify.
 *
 * <p>Immutability: the constructor copies the array it is given and {@link #toByteArray()} returns
 * a copy. Code inside this package uses the internal array directly (no copy) through
 * {@link #data()}.
 */
public final class RgbImage {

    private final int width;
    private final int height;
    private final byte[] rgb;

    /**
     * Creates an image from interleaved RGB bytes; the array is copied.
     *
     * @throws IllegalArgumentException if a dimension is not positive or the array length is not
     *                                  {@code width * height * 3}
     */
    public RgbImage(int width, int height, byte[] rgb) {
        this(width, height, Objects.requireNonNull(rgb, "rgb").clone(), true);
    }

    /** Package-private constructor that takes ownership of {@code rgb} without copying. */
    RgbImage(int width, int height, byte[] rgb, boolean owned) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        long expected = 3L * width * height;
        if (rgb.length != expected) {
            throw new IllegalArgumentException(
                    "RGB buffer of a " + width + "x" + height + " image must have " + expected
                            + " bytes, got " + rgb.length);
        }
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /**
     * One sample as an unsigned value 0..255.
     *
     * @param channel 0 = R, 1 = G, 2 = B
     */
    public int sample(int x, int y, int channel) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        Objects.checkIndex(channel, 3);
        return rgb[(y * width + x) * 3 + channel] & 0xFF;
    }

    /** The pixel as {@code 0xRRGGBB}. */
    public int rgbAt(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
    }

    /** A copy of the interleaved RGB bytes (row-major, {@code width * height * 3} bytes). */
    public byte[] toByteArray() {
        return rgb.clone();
    }

    /** The internal array, not copied; callers in this package must not modify it. */
    byte[] data() {
        return rgb;
    }

    /**
     * A rectangular region as a new image.
     *
     * @throws IllegalArgumentException if the region is empty or not inside the image
     */
    public RgbImage crop(int x0, int y0, int w, int h) {
        if (w <= 0 || h <= 0 || x0 < 0 || y0 < 0 || x0 + (long) w > width || y0 + (long) h > height) {
            throw new IllegalArgumentException("crop (" + x0 + "," + y0 + ") " + w + "x" + h
                    + " is not inside a " + width + "x" + height + " image");
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rgb, ((y0 + y) * width + x0) * 3, out, y * w * 3, w * 3);
        }
        return new RgbImage(w, h, out, true);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && other.width == width && other.height == height
                && Arrays.equals(other.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
