package org.vlm4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole preprocessing pipeline against the goldens made by the original OpenGVLab code with
 * Pillow 9.4 / torchvision 0.14 (shared/fixtures/tiny/vision, see SOURCES.md).
 */
class ImagePreprocessorTest {

    private static final ImagePreprocessor PRE = new ImagePreprocessor(PreprocessConfig.internVlDefaults());
    private static final ImageDecoder DECODER = new ImageDecoder();

    private static RgbImage decodeFixture(String file) throws ImageDecodeException {
        return DECODER.decode(VisionFixtures.bytes("images/" + file), file);
    }

    @Test
    void tileCountAndGridMatchTheManifestForEveryFixtureImage() throws Exception {
        JsonNode images = VisionFixtures.manifest().get("images");
        int checked = 0;
        for (Map.Entry<String, JsonNode> e : images.properties()) {
            JsonNode m = e.getValue();
            RgbImage img = decodeFixture(m.get("file").asText());
            assertEquals(m.get("source_size_wh").get(0).asInt(), img.width(), e.getKey());
            assertEquals(m.get("source_size_wh").get(1).asInt(), img.height(), e.getKey());
            PreprocessedImage p = PRE.preprocess(img);
            assertEquals(m.get("n_tiles").asInt(), p.tileCount(), e.getKey() + " tiles");
            assertEquals(m.get("grid_cols_rows").get(0).asInt(), p.gridCols(), e.getKey() + " cols");
            assertEquals(m.get("grid_cols_rows").get(1).asInt(), p.gridRows(), e.getKey() + " rows");
            assertEquals(m.get("thumbnail").asBoolean(), p.hasThumbnail(), e.getKey() + " thumbnail");
            assertEquals(p.tileCount(), PRE.tileCountFor(img.width(), img.height()));
            assertEquals((long) p.tileCount() * 3 * 448 * 448, p.pixels().length);
            checked++;
        }
        assertEquals(5, checked);
    }

    @Test
    void img300x200TilesAreBitIdenticalToPillow() throws Exception {
        RgbImage stacked = VisionFixtures.readRgbPngIndependently("vision/img300x200.tiles.png");
        assertEquals(448, stacked.width());
        assertEquals(7 * 448, stacked.height());
        List<RgbImage> tiles = PRE.tiles(decodeFixture("img300x200.png"));
        assertEquals(7, tiles.size());
        for (int t = 0; t < 7; t++) {
            RgbImage expected = stacked.crop(0, 448 * t, 448, 448);
            RgbImage actual = tiles.get(t);
            if (!expected.equals(actual)) {
                fail("tile " + t + (t == 6 ? " (thumbnail)" : "") + " differs from Pillow: " + firstDiff(expected, actual));
            }
        }
    }

    @Test
    void img300x200NormalizedTensorMatchesManifestStatistics() throws Exception {
        JsonNode stats = VisionFixtures.manifest().at("/images/img300x200/arrays/tiles_png/pixels_f32_stats");
        float[] px = PRE.preprocess(decodeFixture("img300x200.png")).pixels();
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double sum = 0;
        for (float v : px) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        assertEquals((float) stats.get("min").asDouble(), (float) min);
        assertEquals((float) stats.get("max").asDouble(), (float) max);
        assertEquals(stats.get("mean").asDouble(), sum / px.length, 1e-9);
        for (int i = 0; i < 8; i++) {
            assertEquals((float) stats.get("first8").get(i).asDouble(), px[i]);
        }
    }

    @Test
    void img448PixelTensorIsBitIdenticalToTorch() throws Exception {
        float[] expected = VisionFixtures.gzFloats("vision/img448.pixels.f32.gz");
        PreprocessedImage p = PRE.preprocess(decodeFixture("img448.png"));
        assertEquals(1, p.tileCount());
        assertFalse(p.hasThumbnail());
        float[] actual = p.pixels();
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail("pixel " + i + ": expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    @Test
    void photoPipelineFromPillowDecodedPixels() throws Exception {
        // The JPEG decoder is tested separately; here the exact PIL-decoded pixels feed the pipeline.
        RgbImage img = decodeFixture("img_photo.decoded.png");
        assertEquals(800, img.width());
        assertEquals(533, img.height());
        PreprocessedImage p = PRE.preprocess(img);
        assertEquals(new TileGrid(3, 2), p.grid());
        assertEquals(7, p.tileCount());
        assertTrue(p.hasThumbnail());
        // tile order: tile 1 is the second tile of the first row of the 1344x896 stretch
        RgbImage resized = PillowResize.bicubic(img, 1344, 896);
        assertEquals(resized.crop(448, 0, 448, 448), p.tiles().get(1));
        assertEquals(resized.crop(0, 448, 448, 448), p.tiles().get(3));
        assertEquals(PillowResize.bicubic(img, 448, 448), p.tiles().get(6));
    }

    @Test
    void normalizationFollowsTheTorchFormulaAndLayout() {
        byte[] rgb = new byte[2 * 1 * 3];
        rgb[0] = (byte) 255; // pixel 0: R 255 G 0 B 128
        rgb[2] = (byte) 128;
        rgb[3] = 10; // pixel 1: R 10 G 20 B 30
        rgb[4] = 20;
        rgb[5] = 30;
        float[] mean = {0.5f, 0.25f, 0.125f};
        float[] std = {0.5f, 2f, 0.1f};
        float[] out = new float[1 + 6];
        ImagePreprocessor.normalize(new RgbImage(2, 1, rgb), mean, std, out, 1);
        assertArrayEquals(new float[] {0f,
                (255 / 255f - 0.5f) / 0.5f, (10 / 255f - 0.5f) / 0.5f,
                (0 / 255f - 0.25f) / 2f, (20 / 255f - 0.25f) / 2f,
                (128 / 255f - 0.125f) / 0.1f, (30 / 255f - 0.125f) / 0.1f}, out);
        assertEquals(1.0f, out[1]);
    }

    @Test
    void singleTileImagesHaveNoThumbnailAndConfigurableSize() {
        ImagePreprocessor small = new ImagePreprocessor(PreprocessConfig.internVlDefaults().withImageSize(56));
        RgbImage img = new RgbImage(56, 56, new byte[56 * 56 * 3]);
        PreprocessedImage p = small.preprocess(img);
        assertEquals(1, p.tileCount());
        assertEquals(56, p.imageSize());
        assertEquals(3 * 56 * 56, p.pixels().length);
        // 200x100 at size 56: ratio 2; 2x1 first, then 4x2 ties and area 20000 > 0.5*56*56*8 = 12544 picks it
        PreprocessedImage q = small.preprocess(new RgbImage(200, 100, new byte[200 * 100 * 3]));
        assertEquals(new TileGrid(4, 2), q.grid());
        assertEquals(9, q.tileCount());
        assertEquals(9 * 3 * 56 * 56, q.pixels().length);
        assertEquals(q.tileOffset(8), 8 * 3 * 56 * 56);
    }

    @Test
    void thumbnailCanBeSwitchedOffAndTileLimitsApply() {
        PreprocessConfig cfg = new PreprocessConfig(448, 1, 6, false,
                PreprocessConfig.internVlDefaults().mean(), PreprocessConfig.internVlDefaults().std());
        ImagePreprocessor pre = new ImagePreprocessor(cfg);
        PreprocessedImage p = pre.preprocess(new RgbImage(640, 480, new byte[640 * 480 * 3]));
        // 4:3 with at most 6 tiles (4x3 not allowed): |1.333-1.5| = 0.167 (3x2) beats 0.333 (1x1, 2x2)
        assertEquals(new TileGrid(3, 2), p.grid());
        assertEquals(6, p.tileCount());
        assertFalse(p.hasThumbnail());
    }

    @Test
    void invalidConfigurationsAreRejected() {
        float[] m = {0.5f, 0.5f, 0.5f};
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(0, 1, 12, true, m, m));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(448, 0, 12, true, m, m));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(448, 5, 4, true, m, m));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(448, 1, 12, true, new float[2], m));
        assertThrows(IllegalArgumentException.class,
                () -> new PreprocessConfig(448, 1, 12, true, m, new float[] {1f, 0f, 1f}));
        // defensive copies
        float[] mean = {0.1f, 0.2f, 0.3f};
        PreprocessConfig c = new PreprocessConfig(448, 1, 12, true, mean, m);
        mean[0] = 9f;
        c.mean()[1] = 9f;
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f}, c.mean());
    }

    @Test
    void largeImageGivesTwelveTilesPlusThumbnail() {
        // 4000x3000 -> 4x3 grid + thumbnail: the heaviest default case (speed is measured by benchmarks, not here).
        byte[] rgb = new byte[4000 * 3000 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 31 + (i / 12000) * 7);
        }
        RgbImage img = new RgbImage(4000, 3000, rgb);
        PreprocessedImage p = PRE.preprocess(img);
        assertEquals(13, p.tileCount());
        assertEquals(4, p.gridCols());
        assertEquals(3, p.gridRows());
        assertEquals(13 * 3 * 448 * 448, p.pixels().length);
    }

    static String firstDiff(RgbImage a, RgbImage b) {
        if (a.width() != b.width() || a.height() != b.height()) {
            return "size " + a.width() + "x" + a.height() + " vs " + b.width() + "x" + b.height();
        }
        int count = 0;
        String first = null;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    if (a.sample(x, y, c) != b.sample(x, y, c)) {
                        if (first == null) {
                            first = "(" + x + "," + y + ") c" + c + " expected " + a.sample(x, y, c)
                                    + " got " + b.sample(x, y, c);
                        }
                        count++;
                    }
                }
            }
        }
        return count + " samples differ, first at " + first;
    }
}
