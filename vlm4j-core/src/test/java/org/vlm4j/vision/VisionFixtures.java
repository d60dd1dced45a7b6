package org.vlm4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/** Loads the copied reference fixtures from the test class path. */
final class VisionFixtures {

    private VisionFixtures() {
    }

    static byte[] bytes(String resource) {
        try (InputStream in = VisionFixtures.class.getResourceAsStream("/fixtures/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /fixtures/" + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode manifest() {
        try {
            return new ObjectMapper().readTree(bytes("vision/manifest.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Little-endian float32 array from a gzip resource. */
    static float[] gzFloats(String resource) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes(resource)))) {
            byte[] raw = in.readAllBytes();
            float[] f = new float[raw.length / 4];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An 8-bit RGB PNG read with plain ImageIO raster access (independent of the code under test),
     * as interleaved RGB bytes.
     */
    static RgbImage readRgbPngIndependently(String resource) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes(resource)));
            Raster r = img.getRaster();
            if (r.getNumBands() != 3 || r.getSampleModel().getSampleSize(0) != 8) {
                throw new IllegalStateException(resource + " is not 8-bit RGB");
            }
            int w = img.getWidth();
            int h = img.getHeight();
            int[] px = r.getPixels(0, 0, w, h, (int[]) null);
            byte[] b = new byte[px.length];
            for (int i = 0; i < px.length; i++) {
                b[i] = (byte) px[i];
            }
            return new RgbImage(w, h, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
