package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFormatException;
import org.vlm4j.gguf.GgufValue;
import org.vlm4j.model.ModelInput;
import org.vlm4j.tensor.WorkerPool;

/**
 * Loading: hyper-parameters from metadata, clear errors for missing/mis-shaped tensors and bad
 * metadata, and the layouts without a golden (Qwen2 with q/k/v biases and no q/k norm; tied output
 * head; F16 and BF16 weights) checked against a naive double-precision reference that is itself
 * checked against llama.cpp.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Qwen3StructureTest {
    static WorkerPool pool;
    static GgufFile tiny;

    @BeforeAll
    static void open() throws Exception {
        pool = PoolsForTests.create();
        tiny = GgufFile.open(TextGolden.modelPath("f32"));
    }

    @AfterAll
    static void close() {
        tiny.close();
        pool.close();
    }

    @Test
    void configComesFromMetadata() {
        Qwen3Model m = Qwen3Model.load(tiny);
        Qwen3Config c = m.config();
        assertEquals("qwen3", c.architecture());
        assertEquals(2, c.layers());
        assertEquals(64, c.hidden());
        assertEquals(128, c.ffn());
        assertEquals(4, c.heads());
        assertEquals(2, c.kvHeads());
        assertEquals(32, c.headDim());
        assertEquals(128, c.qDim());
        assertEquals(64, c.kvDim());
        assertEquals(1e6f, c.ropeTheta());
        assertEquals(1e-6f, c.rmsEps());
        assertEquals(4096, c.contextLength());
        assertEquals(4160, c.vocabSize());
        assertTrue(c.qkNorm());
        assertFalse(m.tiedOutput());
        assertEquals(4160, m.vocabSize());
        assertEquals(64, m.embeddingWidth());
    }

    @Test
    void referenceImplementationMatchesLlamaCpp() {
        TextGolden g = TextGolden.load("T2", "f32");
        double[][] ref = ReferenceQwen.logits(tiny, g.promptIds);
        for (int i = 0; i < g.logitPositions.length; i++) {
            assertTrue(maxDiff(ref[g.logitPositions[i]], g.logits[i]) < 1e-3, "position " + i);
        }
    }

    @Test
    void missingTensorIsNamed() {
        GgufFile f = GgufTestWriter.copyOf(tiny).remove("blk.1.ffn_up.weight").toFile("no-up.gguf");
        var e = assertThrows(GgufFormatException.class, () -> Qwen3Model.load(f));
        assertTrue(e.getMessage().contains("'blk.1.ffn_up.weight' is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("no-up.gguf"), e.getMessage());
    }

    @Test
    void misShapedTensorIsNamedWithBothShapes() {
        GgufTestWriter g = GgufTestWriter.copyOf(tiny);
        g.put("blk.0.attn_k.weight", new long[] {64, 32}, new float[64 * 32]);
        GgufFile f = g.toFile("bad-k.gguf");
        var e = assertThrows(GgufFormatException.class, () -> Qwen3Model.load(f));
        assertTrue(e.getMessage().contains("'blk.0.attn_k.weight' has shape [64, 32], expected [64, 64]"), e.getMessage());
        assertTrue(e.getMessage().contains("bad-k.gguf"), e.getMessage());
    }

    @Test
    void unsupportedWeightTypeIsNamed() {
        GgufTestWriter g = GgufTestWriter.copyOf(tiny);
        g.replace("blk.0.ffn_gate.weight", new GgufTestWriter.Tensor("blk.0.ffn_gate.weight", new long[] {64, 128},
                GgmlType.Q4_1, new byte[128 * 2 * 20]));
        GgufFile f = g.toFile("q41.gguf");
        var e = assertThrows(UnsupportedOperationException.class, () -> Qwen3Model.load(f));
        assertTrue(e.getMessage().contains("blk.0.ffn_gate.weight") && e.getMessage().contains("Q4_1"), e.getMessage());
    }

    @Test
    void wrongArchitectureAndMissingKeysAreReported() {
        GgufTestWriter g = GgufTestWriter.copyOf(tiny);
        g.meta.put("general.architecture", GgufValue.ofString("llama"));
        var e = assertThrows(GgufFormatException.class, () -> Qwen3Model.load(g.toFile("llama.gguf")));
        assertTrue(e.getMessage().contains("'llama'") && e.getMessage().contains("qwen3"), e.getMessage());

        GgufTestWriter h = GgufTestWriter.copyOf(tiny);
        h.meta.remove("qwen3.block_count");
        e = assertThrows(GgufFormatException.class, () -> Qwen3Model.load(h.toFile("nolayers.gguf")));
        assertTrue(e.getMessage().contains("qwen3.block_count"), e.getMessage());

        GgufTestWriter k = GgufTestWriter.copyOf(tiny);
        k.meta.put("qwen3.attention.head_count_kv", GgufValue.ofU32(3));
        e = assertThrows(GgufFormatException.class, () -> Qwen3Model.load(k.toFile("kv3.gguf")));
        assertTrue(e.getMessage().contains("head_count_kv 3"), e.getMessage());
    }

    @Test
    void headDimFallsBackToHiddenOverHeads() {
        GgufTestWriter g = GgufTestWriter.copyOf(tiny);
        g.meta.remove("qwen3.attention.key_length");
        g.meta.remove("qwen3.attention.value_length");
        GgufFile f = g.toFile("nokeylen.gguf");
        assertEquals(16, Qwen3Config.fromGguf(f).headDim());
        // the tiny model really has head_dim 32, so its q projection no longer fits
        var e = assertThrows(GgufFormatException.class, () -> Qwen3Model.load(f));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight"), e.getMessage());
    }

    @Test
    void qwen2WithBiasesMatchesReference() {
        GgufTestWriter g = GgufTestWriter.copyOf(tiny).withArchitecture("qwen3", "qwen2");
        SplittableRandom r = new SplittableRandom(7);
        for (int l = 0; l < 2; l++) {
            g.remove("blk." + l + ".attn_q_norm.weight").remove("blk." + l + ".attn_k_norm.weight");
            g.put("blk." + l + ".attn_q.bias", new long[] {128}, randoms(r, 128, 0.5));
            g.put("blk." + l + ".attn_k.bias", new long[] {64}, randoms(r, 64, 0.5));
            g.put("blk." + l + ".attn_v.bias", new long[] {64}, randoms(r, 64, 0.5));
        }
        GgufFile f = g.toFile("qwen2-tiny.gguf");
        Qwen3Model m = Qwen3Model.load(f);
        assertEquals("qwen2", m.config().architecture());
        assertFalse(m.config().qkNorm());
        assertNoDifference(f, m);

        // zero biases must behave exactly like no biases
        GgufTestWriter z = GgufTestWriter.copyOf(f);
        GgufTestWriter none = GgufTestWriter.copyOf(f);
        for (int l = 0; l < 2; l++) {
            for (String b : new String[] {"q", "k", "v"}) {
                String name = "blk." + l + ".attn_" + b + ".bias";
                z.put(name, z.tensor(name).shape(), new float[(int) z.tensor(name).shape()[0]]);
                none.remove(name);
            }
        }
        int[] ids = {1, 2, 3, 4, 5};
        float[] a = Qwen3Model.load(z.toFile("zero.gguf")).newState(16, pool).append(ModelInput.tokens(ids)).clone();
        float[] b = Qwen3Model.load(none.toFile("none.gguf")).newState(16, pool).append(ModelInput.tokens(ids)).clone();
        assertEquals(0f, TextGolden.maxAbsDiff(a, b));
    }

    @Test
    void tiedOutputUsesTokenEmbedding() {
        GgufFile f = GgufTestWriter.copyOf(tiny).remove("output.weight").toFile("tied.gguf");
        Qwen3Model m = Qwen3Model.load(f);
        assertTrue(m.tiedOutput());
        assertNoDifference(f, m);
    }

    /**
     * F16 and BF16 text weights (every 2-D tensor of the tiny model re-encoded): the prefill's GEMM
     * panels and the decode's four-row float kernels against the reference on the same weights.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16"})
    void halfPrecisionWeightsMatchReference(GgmlType type) {
        GgufTestWriter g = GgufTestWriter.copyOf(tiny);
        int converted = 0;
        for (GgufTestWriter.Tensor t : java.util.List.copyOf(g.tensors)) {
            if (t.shape().length != 2 || t.type() != GgmlType.F32) {
                continue;
            }
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(t.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(t.data().length / 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (in.hasRemaining()) {
                float v = in.getFloat();
                out.putShort(type == GgmlType.F16 ? Float.floatToFloat16(v) : org.vlm4j.tensor.Quantizer.toBF16(v));
            }
            g.replace(t.name(), new GgufTestWriter.Tensor(t.name(), t.shape(), type, out.array()));
            converted++;
        }
        assertTrue(converted >= 2 * 7 + 2, "q/k/v/o/gate/up/down of both layers, the embedding and the head: " + converted);
        GgufFile f = g.toFile("tiny-" + type + ".gguf");
        Qwen3Model m = Qwen3Model.load(f);
        assertEquals(type, f.tensor("output.weight").type());
        assertNoDifference(f, m);
    }

    private static void assertNoDifference(GgufFile f, Qwen3Model m) {
        int[] ids = TextGolden.load("T1", "f32").promptIds;
        double[][] ref = ReferenceQwen.logits(f, ids);
        int[] all = new int[ids.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        float[][] out = m.newState(64, pool).append(ModelInput.tokens(ids), all);
        for (int i = 0; i < ids.length; i++) {
            double d = maxDiff(ref[i], out[i]);
            assertTrue(d < 1e-3, f.path() + " position " + i + ": max diff " + d);
        }
        // and one token at a time (decode's own path: fused regions with per-head work on the workers)
        Qwen3State st = m.newState(64, pool);
        for (int i = 0; i < ids.length; i++) {
            double d = maxDiff(ref[i], st.decode(ids[i]));
            assertTrue(d < 1e-3, f.path() + " decode step " + i + ": max diff " + d);
        }
    }

    private static float[] randoms(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static double maxDiff(double[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < b.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
