package org.vlm4j.model.internvit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlm4j.model.internvit.VisionFixtures.floats;
import static org.vlm4j.model.internvit.VisionFixtures.maxAbsDiff;
import static org.vlm4j.model.internvit.VisionFixtures.mmproj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.tensor.WorkerPool;

/**
 * The tiny InternVL mmproj against goldens from the original OpenGVLab PyTorch code (float32):
 * ViT last hidden state (patches and CLS) and final projected embeddings, within 1e-4 max-abs (the
 * fixture README's vision tolerance; two torch versions differ by up to 6e-6).
 */
class InternVitGoldenTest {
    private static final float TOL = 1e-4f;
    private static final int C = 64;
    private static final int PROJ = 64;
    private static final int TOKENS = 256;

    private static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = WorkerPool.create(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @Test
    void configIsReadFromMetadata() throws IOException {
        try (InternVitModel m = InternVitModel.load(mmproj("f32"))) {
            InternVitConfig c = m.config();
            assertEquals(448, c.imageSize());
            assertEquals(14, c.patchSize());
            assertEquals(64, c.hiddenSize());
            assertEquals(128, c.intermediateSize());
            assertEquals(2, c.layers());
            assertEquals(4, c.heads());
            assertEquals(16, c.headDim());
            assertEquals(1e-6f, c.layerNormEps());
            assertEquals(2, c.scaleFactor());
            assertEquals(64, c.projectionDim());
            assertEquals(32, c.gridSize());
            assertEquals(1025, c.sequenceLength());
            assertEquals(256, c.tokensPerTile());
            assertEquals(256, c.shuffledWidth());
            assertEquals(588, c.patchVectorSize());
            assertEquals(1, c.minTiles());
            assertEquals(12, c.maxTiles());
            assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, c.imageMean());
            assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, c.imageStd());
            assertEquals(GgmlType.F32, m.weights().layers[1].up().type());
            assertEquals("InternViT 448px/14: 2 layers, width 64, 4 heads x 16, MLP 128, LN eps 1e-06; pixel shuffle 2 -> 256 tokens x 64"
                    + "; weights F32, projector F32", m.toString());
        }
        try (InternVitModel m = InternVitModel.load(mmproj("f16"))) {
            assertEquals(GgmlType.F16, m.weights().layers[1].up().type());
            assertEquals(GgmlType.F16, m.weights().patchWeight.type());
            assertEquals(64, m.weights().patchWeight.rows());
            assertEquals(588, m.weights().patchWeight.cols());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16"})
    void img448MatchesTorch(String variant) throws IOException {
        float[] pixels = floats("img448.pixels.f32.gz");
        assertEquals(3 * 448 * 448, pixels.length);
        try (InternVitModel m = InternVitModel.load(mmproj(variant))) {
            InternVitEncoder enc = m.newEncoder(pool);
            checkHidden(enc.lastHiddenState(pixels, 0), "img448");
            float[] embeds = enc.encode(pixels, 1);
            float[] golden = floats("img448.embeds.f32");
            assertEquals(golden.length, embeds.length);
            assertEquals(TOKENS * PROJ, embeds.length);
            float d = maxAbsDiff(embeds, 0, golden, 0, golden.length);
            assertTrue(d <= TOL, variant + " img448 embeds max |diff| " + d);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16"})
    void img300x200SevenTilesMatchTorch(String variant) throws IOException {
        try (InternVitModel m = InternVitModel.load(mmproj(variant))) {
            InternVitConfig c = m.config();
            float[] pixels = VisionFixtures.tilesFromPng("img300x200.tiles.png", 448, c.imageMean(), c.imageStd());
            assertEquals(7 * c.pixelsPerTile(), pixels.length);
            InternVitEncoder enc = m.newEncoder(pool);
            float[] embeds = enc.encode(pixels, 7);
            float[] golden = floats("img300x200.embeds.f32");
            assertEquals(7 * TOKENS * PROJ, golden.length);
            assertEquals(golden.length, embeds.length);
            for (int t = 0; t < 7; t++) {
                float d = maxAbsDiff(embeds, t * TOKENS * PROJ, golden, t * TOKENS * PROJ, TOKENS * PROJ);
                assertTrue(d <= TOL, variant + " img300x200 tile " + t + " embeds max |diff| " + d);
            }
            checkHidden(enc.lastHiddenState(pixels, 0), "img300x200");
            // the encoder's buffers are reused: encoding one tile again gives the very same rows
            float[] again = new float[TOKENS * PROJ];
            enc.encodeTile(pixels, 3 * c.pixelsPerTile(), again, 0);
            for (int i = 0; i < again.length; i++) {
                assertEquals(embeds[3 * TOKENS * PROJ + i], again[i], 1e-5f, "tile 3 re-encoded, index " + i);
            }
        }
    }

    /** The uint8 tiles rebuilt into floats agree with the statistics the reference recorded. */
    @Test
    void pixelTensorOfPngMatchesManifest() throws IOException {
        float[] pixels = VisionFixtures.tilesFromPng("img300x200.tiles.png", 448,
                InternVitConfig.imagenetMean(), InternVitConfig.imagenetStd());
        JsonNode stats = manifest().path("images").path("img300x200").path("arrays").path("tiles_png").path("pixels_f32_stats");
        JsonNode first8 = stats.path("first8");
        assertEquals(8, first8.size());
        for (int i = 0; i < 8; i++) {
            assertEquals((float) first8.get(i).asDouble(), pixels[i], 0f, "pixel " + i);
        }
        double sum = 0;
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float p : pixels) {
            sum += p;
            min = Math.min(min, p);
            max = Math.max(max, p);
        }
        assertEquals(stats.path("mean").asDouble(), sum / pixels.length, 1e-6);
        assertEquals((float) stats.path("min").asDouble(), min, 0f);
        assertEquals((float) stats.path("max").asDouble(), max, 0f);
    }

    /** Pixel shuffle + mlp1 alone, fed with the torch ViT output, reproduce the torch embeddings. */
    @Test
    void projectorOnTorchVitOutput() throws IOException {
        try (InternVitModel m = InternVitModel.load(mmproj("f32"))) {
            InternVitEncoder enc = m.newEncoder(pool);
            for (String img : new String[] {"img448", "img300x200"}) {
                float[] vit = floats(img + ".vit_tile0.f32");
                float[] out = new float[TOKENS * PROJ];
                enc.project(vit, 0, out, 0);
                float d = maxAbsDiff(out, 0, floats(img + ".embeds.f32"), 0, out.length);
                assertTrue(d <= 2e-5f, img + " projector max |diff| " + d);
            }
        }
    }

    private static void checkHidden(float[] hidden, String img) {
        assertEquals(1025 * C, hidden.length);
        float[] cls = floats(img + ".vit_tile0_cls.f32");
        float[] patches = floats(img + ".vit_tile0.f32");
        assertEquals(1024 * C, patches.length);
        float dc = maxAbsDiff(hidden, 0, cls, 0, C);
        assertTrue(dc <= TOL, img + " CLS max |diff| " + dc);
        float dp = maxAbsDiff(hidden, C, patches, 0, patches.length);
        assertTrue(dp <= TOL, img + " patches max |diff| " + dp);
    }

    private static JsonNode manifest() throws IOException {
        return new ObjectMapper().readTree(VisionFixtures.bytes(VisionFixtures.VISION + "manifest.json"));
    }
}
