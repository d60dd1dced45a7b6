package org.vlm4j.model.internvit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlm4j.model.internvit.VisionFixtures.floats;
import static org.vlm4j.model.internvit.VisionFixtures.maxAbsDiff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFormatException;
import org.vlm4j.gguf.GgufValue;
import org.vlm4j.tensor.WorkerPool;

/**
 * Loading: rejected files (wrong kind, missing or mis-shaped tensors, bad metadata) fail with a
 * message naming the problem; metadata fallbacks; BF16 and Q8_0 re-typed weights load and encode.
 */
class InternVitLoadTest {
    private static GgufFile base;
    private static WorkerPool pool;

    @BeforeAll
    static void open() throws IOException {
        base = GgufFile.open(VisionFixtures.mmproj("f32"));
        pool = WorkerPool.create(2);
    }

    @AfterAll
    static void close() {
        base.close();
        pool.close();
    }

    private static MmprojWriter copy() {
        return MmprojWriter.copyOf(base);
    }

    /** Builds a modified file and asserts that loading fails with a message containing every fragment. */
    private static void assertRejected(Consumer<MmprojWriter> change, String... fragments) {
        MmprojWriter w = copy();
        change.accept(w);
        GgufFile f = w.parse("broken-mmproj.gguf");
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> InternVitModel.fromGguf(f));
        assertTrue(e.getMessage().contains("broken-mmproj.gguf"), e.getMessage());
        for (String s : fragments) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' lacks '" + s + "'");
        }
    }

    @Test
    void unchangedCopyLoads() {
        InternVitModel m = InternVitModel.fromGguf(copy().parse("copy.gguf"));
        assertEquals(2, m.config().layers());
    }

    @Test
    void wrongProjectorType() {
        assertRejected(w -> w.put("clip.projector_type", GgufValue.ofString("mlp")), "clip.projector_type", "'mlp'", "internvl");
        assertRejected(w -> w.remove("clip.projector_type"), "clip.projector_type", "missing");
    }

    @Test
    void wrongArchitecture() {
        assertRejected(w -> w.put("general.architecture", GgufValue.ofString("qwen3")), "general.architecture", "qwen3", "clip");
    }

    @Test
    void missingTensorIsNamed() {
        assertRejected(w -> w.removeTensor("v.blk.1.attn_k.bias"), "'v.blk.1.attn_k.bias'", "missing");
        assertRejected(w -> w.removeTensor("v.class_embd"), "'v.class_embd'", "missing");
        assertRejected(w -> w.removeTensor("mm.model.mlp.3.weight"), "'mm.model.mlp.3.weight'", "missing");
        assertRejected(w -> w.removeTensor("mm.model.mlp.0.bias"), "'mm.model.mlp.0.bias'", "missing");
    }

    @Test
    void wrongShapeIsNamed() {
        assertRejected(w -> w.replaceTensor("v.blk.0.ffn_up.weight", GgmlType.F32, new long[] {64, 100},
                new byte[64 * 100 * 4]), "'v.blk.0.ffn_up.weight'", "[64, 100]", "[64, 128]");
        assertRejected(w -> w.replaceTensor("v.position_embd.weight", GgmlType.F32, new long[] {64, 1024, 1},
                new byte[64 * 1024 * 4]), "'v.position_embd.weight'", "[64, 1025]");
        // a transposed linear weight ([out, in] instead of [in, out])
        assertRejected(w -> w.replaceTensor("v.blk.1.ffn_down.weight", GgmlType.F32, new long[] {64, 128},
                new byte[64 * 128 * 4]), "'v.blk.1.ffn_down.weight'", "[128, 64]");
        assertRejected(w -> w.replaceTensor("v.patch_embd.weight", GgmlType.F32, new long[] {16, 16, 3, 64},
                new byte[16 * 16 * 3 * 64 * 4]), "'v.patch_embd.weight'", "[14, 14, 3, 64]");
    }

    @Test
    void badMetadata() {
        assertRejected(w -> w.remove("clip.vision.block_count"), "'clip.vision.block_count'", "missing");
        assertRejected(w -> w.put("clip.vision.attention.head_count", GgufValue.ofU32(5)), "head_count 5");
        assertRejected(w -> w.put("clip.vision.projection_dim", GgufValue.ofU32(32)), "projection_dim = 32");
        assertRejected(w -> w.put("clip.vision.block_count", GgufValue.ofU32(1)), "block_count = 1", "v.blk.1.ln1.weight");
        assertRejected(w -> w.put("clip.vision.block_count", GgufValue.ofU32(3)), "'v.blk.2.ln1.weight'", "missing");
        assertRejected(w -> w.put("clip.vision.image_size", GgufValue.ofU32(450)), "image_size 450");
        assertRejected(w -> w.put("clip.vision.image_mean", GgufValue.ofArray(org.vlm4j.gguf.GgufArray.ofFloats(0.5f, 0.5f))),
                "'clip.vision.image_mean'", "3");
    }

    @Test
    void unsupportedVariantsAndTypes() {
        assertRejected(w -> w.addTensor("v.blk.0.attn_q_norm.weight", GgmlType.F32, new long[] {64}, new byte[256]),
                "v.blk.0.attn_q_norm.weight", "not supported");
        assertRejected(w -> w.replaceTensor("v.blk.0.ffn_up.weight", GgmlType.Q4_1, new long[] {64, 128},
                new byte[64 / 32 * 20 * 128]), "'v.blk.0.ffn_up.weight'", "Q4_1");
    }

    @Test
    void metadataFallbacks() {
        MmprojWriter w = copy().remove("clip.vision.image_mean").remove("clip.vision.image_std")
                .remove("clip.vision.preproc_min_tiles").remove("clip.vision.preproc_max_tiles")
                .remove("clip.vision.projector.scale_factor").remove("clip.vision.projection_dim");
        InternVitConfig c = InternVitModel.fromGguf(w.parse("old-converter.gguf")).config();
        assertArrayEquals(InternVitConfig.imagenetMean(), c.imageMean());
        assertArrayEquals(InternVitConfig.imagenetStd(), c.imageStd());
        assertEquals(1, c.minTiles());
        assertEquals(12, c.maxTiles());
        assertEquals(2, c.scaleFactor());
        assertEquals(64, c.projectionDim());
    }

    @Test
    void loadFromPathNamesTheFile(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("not-internvl.gguf");
        Files.write(p, copy().put("clip.projector_type", GgufValue.ofString("ldp")).toBytes());
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> InternVitModel.load(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("'ldp'"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> InternVitModel.load(dir.resolve("absent.gguf")));
        Path good = dir.resolve("good.gguf");
        Files.write(good, copy().toBytes());
        try (InternVitModel m = InternVitModel.load(good)) {
            assertEquals(64, m.config().hiddenSize());
        }
    }

    @Test
    void encoderChecksArguments() {
        InternVitModel m = InternVitModel.fromGguf(base);
        InternVitEncoder enc = m.newEncoder(pool);
        int per = m.config().pixelsPerTile();
        assertThrows(IllegalArgumentException.class, () -> enc.encode(new float[per + 1], 1));
        assertThrows(IllegalArgumentException.class, () -> enc.encode(new float[per], 2));
        assertEquals(0, enc.encode(new float[0], 0).length);
        assertThrows(IndexOutOfBoundsException.class, () -> enc.lastHiddenState(new float[per], 1));
        assertThrows(IndexOutOfBoundsException.class, () -> enc.encodeTile(new float[per], 0, new float[100], 0));
        assertThrows(NullPointerException.class, () -> m.newEncoder(null));
    }

    /** Re-types every linear weight (not the 14-wide patch kernel) and encodes img448. */
    private static float encodeWithType(GgmlType type) {
        MmprojWriter w = copy();
        for (MmprojWriter.Tensor t : w.tensors.toArray(MmprojWriter.Tensor[]::new)) {
            if (t.ne().length == 2 && t.type() == GgmlType.F32 && !t.name().contains("position")) {
                float[] v = MmprojWriter.floats(t.data());
                byte[] data = type == GgmlType.BF16 ? MmprojWriter.bf16(v) : MmprojWriter.q8_0(v);
                w.replaceTensor(t.name(), type, t.ne(), data);
            }
        }
        InternVitModel m = InternVitModel.fromGguf(w.parse("retyped-" + type + ".gguf"));
        assertEquals(type, m.weights().layers[0].q().type());
        assertEquals(type, m.weights().proj1.type());
        float[] out = m.newEncoder(pool).encode(floats("img448.pixels.f32.gz"), 1);
        float[] golden = floats("img448.embeds.f32");
        return maxAbsDiff(out, 0, golden, 0, golden.length);
    }

    @Test
    void bf16WeightsGiveTheGoldenResult() {
        // the fixture's weights are bf16-exact, so BF16 storage loses nothing
        float d = encodeWithType(GgmlType.BF16);
        assertTrue(d <= 1e-4f, "BF16 max |diff| " + d);
    }

    @Test
    void q8_0WeightsStayClose() {
        float d = encodeWithType(GgmlType.Q8_0);
        // 8-bit weights: small but real error (embedding values reach ~4.5)
        assertTrue(d > 1e-6f && d < 0.1f, "Q8_0 max |diff| " + d);
    }
}
