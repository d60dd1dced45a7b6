package org.vlm4j.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.chat.Answer;
import org.vlm4j.chat.AskOptions;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.LoadOptions;
import org.vlm4j.chat.SamplerConfig;
import org.vlm4j.chat.TextListener;
import org.vlm4j.chat.VisionLanguageModel;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.gguf.GgufValue;
import org.vlm4j.model.ModelInput;
import org.vlm4j.model.qwen3.Qwen3Model;
import org.vlm4j.model.qwen3.Qwen3State;
import org.vlm4j.tensor.Quantizer;
import org.vlm4j.tensor.WorkerPool;

/**
 * The converter against llama.cpp's files: the tiny HF checkpoint (BF16, F32 and the -HF layout)
 * converts to GGUFs equal to the fixture GGUFs key by key (except general.name) and tensor by tensor
 * (name, type, shape, bytes); Q8_0 output equals llama-quantize's bytes and {@link Quantizer}; the
 * converted files give llama.cpp's greedy tokens (T1 text-only, M1 with an image).
 */
class HfToGgufTest {
    @TempDir
    static Path tmp;
    static HfToGguf.Result bf16F32;

    static final ConvertOptions F32 = ConvertOptions.DEFAULTS.withTypes(GgmlType.F32, GgmlType.F32).withName("tiny");

    @BeforeAll
    static void convertBf16() throws IOException {
        bf16F32 = HfToGguf.convert(TinyHf.bf16(tmp.resolve("bf16")), tmp.resolve("out-bf16"), F32);
    }

    @Test
    void bf16CheckpointEqualsLlamaCppF32Files() throws IOException {
        assertSameGguf(TinyHf.gguf("tiny-f32.gguf"), bf16F32.textGguf());
        assertSameGguf(TinyHf.gguf("tiny-mmproj-f32.gguf"), bf16F32.mmprojGguf());
        assertEquals("tiny-f32.gguf", bf16F32.textGguf().getFileName().toString());
        assertEquals("mmproj-tiny-f32.gguf", bf16F32.mmprojGguf().getFileName().toString());
    }

    @Test
    void f32CheckpointAndF16VisionEqualLlamaCppFiles() throws IOException {
        HfToGguf.Result r = HfToGguf.convert(TinyHf.f32(tmp.resolve("f32")), tmp.resolve("out-f32"),
                F32.withTypes(GgmlType.F32, GgmlType.F16));
        assertSameGguf(TinyHf.gguf("tiny-f32.gguf"), r.textGguf());
        assertSameGguf(TinyHf.gguf("tiny-mmproj-f16.gguf"), r.mmprojGguf());
    }

    @Test
    void hfLayoutShardedConvertsToTheSameFiles() throws IOException {
        List<String> progress = new ArrayList<>();
        HfToGguf.Result r = HfToGguf.convert(TinyHf.hfLayout(tmp.resolve("hf")), tmp.resolve("out-hf"),
                F32.withProgress((f, t, d, n) -> progress.add(f + " " + d + "/" + n)));
        assertSameGguf(TinyHf.gguf("tiny-f32.gguf"), r.textGguf());
        assertSameGguf(TinyHf.gguf("tiny-mmproj-f32.gguf"), r.mmprojGguf());
        assertTrue(progress.contains("tiny-f32.gguf " + Files.size(r.textGguf()) + "/" + Files.size(r.textGguf())), progress.toString());
    }

    @Test
    void q8_0EqualsLlamaQuantizeAndQuantizer() throws IOException {
        HfToGguf.Result r = HfToGguf.convert(tmp.resolve("bf16"), tmp.resolve("out-q8"), F32.withTypes(GgmlType.Q8_0, GgmlType.F16));
        try (GgufFile mine = GgufFile.open(r.textGguf()); GgufFile ref = GgufFile.open(TinyHf.gguf("tiny-q8_0.gguf"));
                GgufFile f32 = GgufFile.open(TinyHf.gguf("tiny-f32.gguf"))) {
            assertEquals(7, mine.metadata().getLong("general.file_type"));
            int quantized = 0;
            for (GgufTensorInfo t : mine.tensors()) {
                GgufTensorInfo rt = ref.tensor(t.name());
                assertNotNull(rt, t.name());
                assertEquals(rt.type(), t.type(), t.name());
                assertArrayEquals(rt.shape(), t.shape(), t.name());
                assertArrayEquals(bytes(ref, rt), bytes(mine, t), t.name() + " bytes vs llama-quantize");
                if (t.type() == GgmlType.Q8_0) {
                    float[] v = floats(f32, f32.tensor(t.name()));
                    MemorySegment q = MemorySegment.ofArray(new byte[(int) t.byteSize()]);
                    Quantizer.quantizeQ8_0(v, 0, v.length, q, 0);
                    assertArrayEquals(q.toArray(ValueLayout.JAVA_BYTE), bytes(mine, t), t.name() + " bytes vs Quantizer");
                    quantized++;
                }
            }
            assertEquals(16, quantized);
            assertEquals(ref.tensors().size(), mine.tensors().size());
        }
    }

    @Test
    void q4_0KeepsNormsF32AndTheHeadQ8_0() throws IOException {
        HfToGguf.Result r = HfToGguf.convert(tmp.resolve("bf16"), tmp.resolve("out-q4"), F32.withTypes(GgmlType.Q4_0, GgmlType.F16));
        try (GgufFile g = GgufFile.open(r.textGguf())) {
            assertEquals(GgmlType.Q4_0, g.tensor("token_embd.weight").type());
            assertEquals(GgmlType.Q8_0, g.tensor("output.weight").type());
            assertEquals(GgmlType.F32, g.tensor("blk.0.attn_q_norm.weight").type());
            assertEquals(GgmlType.Q4_0, g.tensor("blk.1.ffn_down.weight").type());
            assertEquals(2, g.metadata().getLong("general.file_type"));
        }
    }

    @Test
    void convertedFilesGiveLlamaCppGreedyTokens() throws Exception {
        ObjectMapper om = new ObjectMapper();
        JsonNode t1 = om.readTree(TinyHf.class.getResource("/fixtures/tiny/text/T1.f32.json"));
        try (WorkerPool pool = WorkerPool.create(2); Qwen3Model m = Qwen3Model.open(bf16F32.textGguf())) {
            Qwen3State st = m.newState(4096, pool);
            float[] logits = st.append(ModelInput.tokens(ints(t1.get("prompt_ids"))));
            int[] want = ints(t1.get("greedy").get("tokens"));
            int[] got = new int[want.length];
            for (int s = 0; s < want.length; s++) {
                got[s] = argmax(logits);
                if (s + 1 < want.length) {
                    logits = st.decode(got[s]);
                }
            }
            assertArrayEquals(want, got, "T1 greedy path");
        }
        JsonNode m1 = om.readTree(TinyHf.class.getResource("/fixtures/tiny/text/M1.f32.json"));
        try (VisionLanguageModel vlm = VisionLanguageModel.load(bf16F32.textGguf(), bf16F32.mmprojGguf(), LoadOptions.DEFAULTS.withThreads(2).withKvCacheType(org.vlm4j.model.qwen3.KvCacheType.F32))) {
            Conversation c = vlm.newConversation();
            c.setImage(Path.of(TinyHf.class.getResource("/fixtures/images/img448.png").toURI()));
            Answer a = c.ask("Describe the image.", new AskOptions(32, SamplerConfig.GREEDY, true), TextListener.NONE);
            assertArrayEquals(ints(m1.get("greedy").get("tokens")), a.tokens(), "M1 greedy path");
        }
    }

    @Test
    void clearErrors() throws IOException {
        Path d = TinyHf.bf16(tmp.resolve("broken"));
        Files.writeString(d.resolve("config.json"), Files.readString(d.resolve("config.json")).replace("\"qwen3\"", "\"llama\"")
                .replace("Qwen3ForCausalLM", "LlamaForCausalLM"));
        ConvertException e = assertThrows(ConvertException.class, () -> HfToGguf.convert(d, tmp.resolve("o1"), F32));
        assertTrue(e.getMessage().contains("llama") && e.getMessage().contains("config.json"), e.getMessage());
        Files.copy(TinyHf.fixture("config.json"), d.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(d.resolve("config.json"), Files.readString(d.resolve("config.json")).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        e = assertThrows(ConvertException.class, () -> HfToGguf.convert(d, tmp.resolve("o2"), F32));
        assertTrue(e.getMessage().contains("blk.2.") || e.getMessage().contains("v.blk.2."), e.getMessage());
        Files.delete(d.resolve("tokenizer.json"));
        Files.copy(TinyHf.fixture("config.json"), d.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(ConvertException.class, () -> HfToGguf.convert(d, tmp.resolve("o3"), F32));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("o3").resolve("tiny-f32.gguf")), "no partial output under the real name");
    }

    /** Config values that would make impossible files (or a crash deep in the writer) are refused naming the field. */
    @Test
    void impossibleConfigValuesNameTheField() throws IOException {
        Path d = TinyHf.bf16(tmp.resolve("badcfg"));
        String good = Files.readString(TinyHf.fixture("config.json"));
        String[][] cases = {
            {"\"downsample_ratio\": 0.5", "\"downsample_ratio\": 0.0", "downsample_ratio"},
            {"\"downsample_ratio\": 0.5", "\"downsample_ratio\": 0.3", "downsample_ratio"},
            {"\"num_attention_heads\": 4", "\"num_attention_heads\": 0", "num_attention_heads"},
        };
        int k = 0;
        for (String[] c : cases) {
            assertTrue(good.contains(c[0]), c[0]);
            Files.writeString(d.resolve("config.json"), good.replaceFirst(java.util.regex.Pattern.quote(c[0]), c[1]));
            Path out = tmp.resolve("badcfg-out" + k++);
            ConvertException e = assertThrows(ConvertException.class, () -> HfToGguf.convert(d, out, F32), c[1]);
            assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains(c[2]), e.getMessage());
            assertTrue(!Files.exists(out) || Files.list(out).findAny().isEmpty(), "nothing written for " + c[1]);
        }
    }

    @Test
    void modelNamesMustBePlainFileNameParts() {
        for (String bad : new String[] {"", " ", "../../escape", "a/b", "a\\b", ".", ".hidden", "x\ny", "n".repeat(201)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ConvertOptions(org.vlm4j.gguf.GgmlType.Q8_0, org.vlm4j.gguf.GgmlType.F16, bad, null), bad);
            assertTrue(e.getMessage().contains("model name"), e.getMessage());
        }
        for (String good : new String[] {"InternVL3_5-1B", "my model v2", "x"}) {
            assertEquals(good, new ConvertOptions(org.vlm4j.gguf.GgmlType.Q8_0, org.vlm4j.gguf.GgmlType.F16, good, null).name());
        }
    }

    @Test
    void sizeLabels() {
        assertEquals("631K", HfToGguf.sizeLabel(631_232));
        assertEquals("192K", HfToGguf.sizeLabel(191_680));
        assertEquals("752M", HfToGguf.sizeLabel(751_632_384));
        assertEquals("1.1B", HfToGguf.sizeLabel(1_060_000_000));
    }

    // ------------------------------------------------------------------ helpers

    static void assertSameGguf(Path expected, Path actual) throws IOException {
        try (GgufFile e = GgufFile.open(expected); GgufFile a = GgufFile.open(actual)) {
            List<String> ek = new ArrayList<>(e.metadata().entries().keySet());
            List<String> ak = new ArrayList<>(a.metadata().entries().keySet());
            assertEquals(ek, ak, "metadata keys and their order");
            for (Map.Entry<String, GgufValue> kv : e.metadata().entries().entrySet()) {
                if (kv.getKey().equals("general.name")) {
                    continue;
                }
                assertSameValue(kv.getKey(), kv.getValue(), a.metadata().entries().get(kv.getKey()));
            }
            assertEquals(e.tensors().size(), a.tensors().size());
            for (int i = 0; i < e.tensors().size(); i++) {
                GgufTensorInfo et = e.tensors().get(i);
                GgufTensorInfo at = a.tensors().get(i);
                assertEquals(et.name(), at.name(), "tensor " + i);
                assertEquals(et.type(), at.type(), et.name());
                assertArrayEquals(et.shape(), at.shape(), et.name());
                assertArrayEquals(bytes(e, et), bytes(a, at), et.name() + " bytes");
            }
        }
    }

    static void assertSameValue(String key, GgufValue e, GgufValue a) {
        assertNotNull(a, key);
        assertEquals(e.type(), a.type(), key);
        if (e.value() instanceof GgufArray ea) {
            GgufArray aa = (GgufArray) a.value();
            assertEquals(ea.elementType(), aa.elementType(), key);
            assertEquals(ea.length(), aa.length(), key);
            if (ea.rawData() != null) {
                assertArrayEquals(ea.rawData().toArray(ValueLayout.JAVA_BYTE), aa.rawData().toArray(ValueLayout.JAVA_BYTE), key);
            } else {
                assertArrayEquals(ea.strings(), aa.strings(), key);
            }
        } else {
            assertEquals(e.value(), a.value(), key);
        }
    }

    static byte[] bytes(GgufFile f, GgufTensorInfo t) {
        return f.tensorData(t).toArray(ValueLayout.JAVA_BYTE);
    }

    static float[] floats(GgufFile f, GgufTensorInfo t) {
        return f.tensorData(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }
}
