package org.vlm4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four tiny fixture GGUFs (written by llama.cpp's gguf-py and llama-quantize) parse with the
 * keys, values and tensor table the reference kit documents (README + weights_manifest.json).
 */
class GgufFixtureReadTest {
    @TempDir
    static Path tmp;
    static JsonNode manifest;

    @BeforeAll
    static void loadManifest() throws IOException {
        try (InputStream in = GgufFixtureReadTest.class.getResourceAsStream("/fixtures/tiny/gguf/weights_manifest.json")) {
            manifest = new ObjectMapper().readTree(in);
        }
    }

    static GgufFile open(String name) throws IOException {
        return GgufFile.open(GgufFixtures.path(name, tmp));
    }

    static long[] reversedHfShape(String hfName) {
        JsonNode s = manifest.get("tensors").get(hfName);
        assertNotNull(s, hfName);
        long[] ne = new long[s.size()];
        for (int i = 0; i < ne.length; i++) {
            ne[i] = s.get(ne.length - 1 - i).asLong();
        }
        return ne;
    }

    @Test
    void textF32HeaderAndMetadata() throws IOException {
        try (GgufFile f = open(GgufFixtures.TEXT_F32)) {
            assertEquals(3, f.version());
            assertEquals("qwen3", f.architecture());
            assertEquals(32, f.alignment());
            assertEquals(25, f.tensors().size());
            GgufMetadata m = f.metadata();
            assertEquals(25, m.entries().size());
            assertEquals("model", m.getString("general.type"));
            assertEquals(0, m.getLong("general.file_type"));
            assertEquals(2, m.getInt("qwen3.block_count"));
            assertEquals(4096, m.getInt("qwen3.context_length"));
            assertEquals(64, m.getInt("qwen3.embedding_length"));
            assertEquals(128, m.getInt("qwen3.feed_forward_length"));
            assertEquals(4, m.getInt("qwen3.attention.head_count"));
            assertEquals(2, m.getInt("qwen3.attention.head_count_kv"));
            assertEquals(32, m.getInt("qwen3.attention.key_length"));
            assertEquals(32, m.getInt("qwen3.attention.value_length"));
            assertEquals(1e6, m.getDouble("qwen3.rope.freq_base"), 0);
            assertEquals(GgufValueType.FLOAT32, m.get("qwen3.attention.layer_norm_rms_epsilon").orElseThrow().type());
            assertEquals(1e-6f, m.getFloat("qwen3.attention.layer_norm_rms_epsilon", 0), 0);
            assertEquals(GgufValueType.UINT32, m.get("qwen3.block_count").orElseThrow().type());
            assertEquals("gpt2", m.getString("tokenizer.ggml.model"));
            assertEquals("qwen2", m.getString("tokenizer.ggml.pre"));
            assertEquals(false, m.getBoolean("tokenizer.ggml.add_bos_token", true));
            assertTrue(m.getString("tokenizer.chat_template").contains("<|im_start|>"));
            checkTokenizer(m);
        }
    }

    private static void checkTokenizer(GgufMetadata m) {
        int rows = manifest.get("n_vocab_rows").asInt();
        int real = manifest.get("n_real_tokens").asInt();
        String[] tokens = m.getArray("tokenizer.ggml.tokens").strings();
        assertEquals(rows, tokens.length);
        int[] types = m.getArray("tokenizer.ggml.token_type").ints();
        assertEquals(GgufValueType.INT32, m.getArray("tokenizer.ggml.token_type").elementType());
        assertEquals(rows, types.length);
        String[] merges = m.getArray("tokenizer.ggml.merges").strings();
        assertEquals(3840, merges.length);
        assertEquals("Ġ t", merges[3]);
        // byte-level alphabet: byte 0x21 '!' is the first token, space maps to U+0120
        assertEquals("!", tokens[0]);
        for (Iterator<Map.Entry<String, JsonNode>> it = manifest.get("special_token_ids").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            assertEquals(e.getKey(), tokens[id]);
            int expectedType = e.getKey().contains("think") ? 4 : 3;
            assertEquals(expectedType, types[id], e.getKey());
        }
        for (int i = 0; i < real - 14; i++) {
            assertEquals(1, types[i], "token " + i);
        }
        for (int i = real; i < rows; i++) {
            assertEquals("[PAD" + i + "]", tokens[i]);
            assertEquals(5, types[i]);
        }
        assertEquals(manifest.get("special_token_ids").get("<|im_end|>").asLong(), m.getLong("tokenizer.ggml.eos_token_id"));
        assertEquals(manifest.get("special_token_ids").get("<|endoftext|>").asLong(), m.getLong("tokenizer.ggml.padding_token_id"));
    }

    @Test
    void textTensorTablesMatchManifest() throws IOException {
        JsonNode map = manifest.get("gguf_text_name_map");
        for (String file : new String[] {GgufFixtures.TEXT_F32, GgufFixtures.TEXT_Q8_0}) {
            boolean q8 = file.equals(GgufFixtures.TEXT_Q8_0);
            try (GgufFile f = open(file)) {
                assertEquals(map.size(), f.tensors().size(), file);
                for (Iterator<Map.Entry<String, JsonNode>> it = map.properties().iterator(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    GgufTensorInfo t = f.tensor(e.getKey());
                    assertNotNull(t, file + " lacks " + e.getKey());
                    assertArrayEquals(reversedHfShape(e.getValue().asText()), t.shape(), e.getKey());
                    GgmlType expected = q8 && t.dimensions() == 2 ? GgmlType.Q8_0 : GgmlType.F32;
                    assertEquals(expected, t.type(), file + " " + t.name());
                    assertEquals(t.type().byteSize(t.elementCount()), t.byteSize());
                    assertEquals(0, t.offset() % 32);
                }
                assertEquals(q8 ? 7 : 0, f.metadata().getLong("general.file_type"));
            }
        }
    }

    /** GGUF names of the mmproj, mapped to (HF name, row range for the fused qkv or -1). */
    private static Map<String, long[]> expectedMmprojShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("v.patch_embd.weight", reversedHfShape("vision_model.embeddings.patch_embedding.weight"));
        m.put("v.patch_embd.bias", reversedHfShape("vision_model.embeddings.patch_embedding.bias"));
        m.put("v.class_embd", reversedHfShape("vision_model.embeddings.class_embedding"));
        m.put("v.position_embd.weight", reversedHfShape("vision_model.embeddings.position_embedding"));
        for (int n = 0; n < 2; n++) {
            String hf = "vision_model.encoder.layers." + n + ".";
            long[] qkv = reversedHfShape(hf + "attn.qkv.weight");
            long[] qkvBias = reversedHfShape(hf + "attn.qkv.bias");
            for (String p : new String[] {"attn_q", "attn_k", "attn_v"}) {
                m.put("v.blk." + n + "." + p + ".weight", new long[] {qkv[0], qkv[1] / 3});
                m.put("v.blk." + n + "." + p + ".bias", new long[] {qkvBias[0] / 3});
            }
            m.put("v.blk." + n + ".attn_out.weight", reversedHfShape(hf + "attn.proj.weight"));
            m.put("v.blk." + n + ".attn_out.bias", reversedHfShape(hf + "attn.proj.bias"));
            m.put("v.blk." + n + ".ln1.weight", reversedHfShape(hf + "norm1.weight"));
            m.put("v.blk." + n + ".ln1.bias", reversedHfShape(hf + "norm1.bias"));
            m.put("v.blk." + n + ".ln2.weight", reversedHfShape(hf + "norm2.weight"));
            m.put("v.blk." + n + ".ln2.bias", reversedHfShape(hf + "norm2.bias"));
            m.put("v.blk." + n + ".ffn_up.weight", reversedHfShape(hf + "mlp.fc1.weight"));
            m.put("v.blk." + n + ".ffn_up.bias", reversedHfShape(hf + "mlp.fc1.bias"));
            m.put("v.blk." + n + ".ffn_down.weight", reversedHfShape(hf + "mlp.fc2.weight"));
            m.put("v.blk." + n + ".ffn_down.bias", reversedHfShape(hf + "mlp.fc2.bias"));
            m.put("v.blk." + n + ".ls1.weight", reversedHfShape(hf + "ls1"));
            m.put("v.blk." + n + ".ls2.weight", reversedHfShape(hf + "ls2"));
        }
        for (String i : new String[] {"0", "1", "3"}) {
            m.put("mm.model.mlp." + i + ".weight", reversedHfShape("mlp1." + i + ".weight"));
            m.put("mm.model.mlp." + i + ".bias", reversedHfShape("mlp1." + i + ".bias"));
        }
        return m;
    }

    @Test
    void mmprojTablesAndKeys() throws IOException {
        Map<String, long[]> expected = expectedMmprojShapes();
        for (String file : new String[] {GgufFixtures.MMPROJ_F32, GgufFixtures.MMPROJ_F16}) {
            boolean f16 = file.equals(GgufFixtures.MMPROJ_F16);
            try (GgufFile f = open(file)) {
                assertEquals("clip", f.architecture());
                GgufMetadata m = f.metadata();
                assertEquals("mmproj", m.getString("general.type"));
                assertEquals(f16 ? 1 : 0, m.getLong("general.file_type"));
                assertEquals("internvl", m.getString("clip.projector_type"));
                assertTrue(m.getBoolean("clip.has_vision_encoder", false));
                assertTrue(m.getBoolean("clip.use_gelu", false));
                assertEquals(448, m.getInt("clip.vision.image_size"));
                assertEquals(14, m.getInt("clip.vision.patch_size"));
                assertEquals(64, m.getInt("clip.vision.embedding_length"));
                assertEquals(128, m.getInt("clip.vision.feed_forward_length"));
                assertEquals(2, m.getInt("clip.vision.block_count"));
                assertEquals(64, m.getInt("clip.vision.projection_dim"));
                assertEquals(4, m.getInt("clip.vision.attention.head_count"));
                assertEquals(2, m.getInt("clip.vision.projector.scale_factor"));
                assertEquals(1, m.getInt("clip.vision.preproc_min_tiles"));
                assertEquals(12, m.getInt("clip.vision.preproc_max_tiles"));
                assertEquals(1e-6f, m.getFloat("clip.vision.attention.layer_norm_epsilon", 0), 0);
                assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, m.getArray("clip.vision.image_mean").floats());
                assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, m.getArray("clip.vision.image_std").floats());

                assertEquals(expected.keySet(), new java.util.LinkedHashSet<>(names(f)), file);
                for (GgufTensorInfo t : f.tensors()) {
                    assertArrayEquals(expected.get(t.name()), t.shape(), t.name());
                    boolean weight2d = t.dimensions() >= 2 && t.name().endsWith(".weight") && !t.name().equals("v.position_embd.weight");
                    assertEquals(f16 && weight2d ? GgmlType.F16 : GgmlType.F32, t.type(), file + " " + t.name());
                }
            }
        }
    }

    @Test
    void elementCountsAddUpToTheManifest() throws IOException {
        long total = 0;
        for (String file : new String[] {GgufFixtures.TEXT_F32, GgufFixtures.MMPROJ_F32}) {
            try (GgufFile f = open(file)) {
                for (GgufTensorInfo t : f.tensors()) {
                    total += t.elementCount();
                }
            }
        }
        assertEquals(manifest.get("n_params").asLong(), total);
    }

    /** The README states that the F16 mmproj holds bit-identical values to the F32 one. */
    @Test
    void f16MmprojDecodesExactlyToF32Values() throws IOException {
        try (GgufFile a = open(GgufFixtures.MMPROJ_F32); GgufFile b = open(GgufFixtures.MMPROJ_F16)) {
            int compared = 0;
            for (GgufTensorInfo ta : a.tensors()) {
                GgufTensorInfo tb = b.tensor(ta.name());
                float[] va = decode(a.tensorData(ta), ta.type(), ta.elementCount());
                float[] vb = decode(b.tensorData(tb), tb.type(), tb.elementCount());
                assertArrayEquals(va, vb, 0f, ta.name());
                compared += va.length;
            }
            assertTrue(compared > 190_000, "compared " + compared);
        }
    }

    /** Q8_0 from llama-quantize: every value within half a quantization step of the F32 original. */
    @Test
    void q8WeightsAreQuantizedF32Weights() throws IOException {
        try (GgufFile a = open(GgufFixtures.TEXT_F32); GgufFile b = open(GgufFixtures.TEXT_Q8_0)) {
            for (GgufTensorInfo tb : b.tensors()) {
                GgufTensorInfo ta = a.tensor(tb.name());
                float[] orig = decode(a.tensorData(ta), ta.type(), ta.elementCount());
                MemorySegment q = b.tensorData(tb);
                if (tb.type() == GgmlType.F32) {
                    assertArrayEquals(orig, decode(q, tb.type(), tb.elementCount()), 0f, tb.name());
                    continue;
                }
                for (int blk = 0; blk < orig.length / 32; blk++) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) {
                        amax = Math.max(amax, Math.abs(orig[blk * 32 + j]));
                    }
                    float d = Float.float16ToFloat(q.get(ValueLayout.JAVA_SHORT_UNALIGNED, blk * 34L));
                    assertEquals(amax / 127f, d, amax / 127f * 1e-3f + 1e-12f, tb.name() + " block " + blk);
                    for (int j = 0; j < 32; j++) {
                        float v = q.get(ValueLayout.JAVA_BYTE, blk * 34L + 2 + j) * d;
                        assertEquals(orig[blk * 32 + j], v, d * 0.5f + amax * 1e-3f, tb.name());
                    }
                }
            }
        }
    }

    static List<String> names(GgufFile f) {
        List<String> n = new ArrayList<>();
        for (GgufTensorInfo t : f.tensors()) {
            n.add(t.name());
        }
        return n;
    }

    static float[] decode(MemorySegment s, GgmlType type, long n) {
        float[] out = new float[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case F32 -> s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i);
                case F16 -> Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i));
                default -> throw new AssertionError(type);
            };
        }
        return out;
    }
}
