package org.vlm4j.model.internvit;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/** Loads the copied vision fixtures (see {@code fixtures/vision/SOURCES.md}). */
final class VisionFixtures {
    private VisionFixtures() {}

    static final String VISION = "/fixtures/vision/";
    static final String GGUF = "/fixtures/tiny/gguf/";

    static Path path(String resource) {
        try {
            return Path.of(VisionFixtures.class.getResource(resource).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + resource, e);
        }
    }

    static Path mmproj(String variant) {
        return path(GGUF + "tiny-mmproj-" + variant + ".gguf");
    }

    static byte[] bytes(String resource) {
        try (InputStream in = VisionFixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            InputStream s = resource.endsWith(".gz") ? new GZIPInputStream(in) : in;
            return s.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A little-endian float32 array (gunzipped if the name ends in .gz). */
    static float[] floats(String name) {
        byte[] b = bytes(VISION + name);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /**
     * The pixel tensor {@code [tiles][3][448][448]} of a PNG with uint8 tiles stacked vertically:
     * {@code (float(u8) / 255f - mean[c]) / std[c]} in float32, reading raster samples (not getRGB, which
     * would go through colour conversion).
     */
    static float[] tilesFromPng(String name, int size, float[] mean, float[] std) {
        BufferedImage img;
        try (InputStream in = VisionFixtures.class.getResourceAsStream(VISION + name)) {
            img = ImageIO.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Raster r = img.getRaster();
        if (r.getNumBands() != 3 || img.getWidth() != size || img.getHeight() % size != 0) {
            throw new IllegalStateException(name + ": unexpected PNG layout " + img);
        }
        int tiles = img.getHeight() / size;
        float[] out = new float[tiles * 3 * size * size];
        int[] px = new int[3];
        for (int t = 0; t < tiles; t++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    r.getPixel(x, t * size + y, px);
                    for (int c = 0; c < 3; c++) {
                        out[((t * 3 + c) * size + y) * size + x] = ((float) px[c] / 255f - mean[c]) / std[c];
                    }
                }
            }
        }
        return out;
    }

    static float maxAbsDiff(float[] a, int aOff, float[] b, int bOff, int n) {
        float m = 0;
        for (int i = 0; i < n; i++) {
            float d = Math.abs(a[aOff + i] - b[bOff + i]);
            if (!(d <= m)) {
                m = Float.isNaN(d) ? Float.NaN : d;
                if (Float.isNaN(d)) {
                    return d;
                }
            }
        }
        return m;
    }
}
