package org.vlm4j.cli.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.cli.Cli;
import org.vlm4j.cli.Main;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFixtures;
import org.vlm4j.gguf.GgufMetadata;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.gguf.GgufWriter;

/** {@code vlm4j synth}: tiny files checked against the llama.cpp-written fixtures, full-size plan against the spec. */
class SynthCommandTest {
    @TempDir
    static Path tmp;
    static Path tinyDir;

    @BeforeAll
    static void synthTiny() {
        tinyDir = tmp.resolve("tiny");
        Cli r = Cli.run("synth", "--preset", "tiny", "--out", tinyDir.toString(), "--seed", "5");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.err().contains("text: 100%") && r.err().contains("vision: 100%"), r.err());
        assertTrue(r.out().contains("wrote " + tinyDir.resolve("tiny-synth-q8_0.gguf")), r.out());
        assertTrue(r.out().contains("822,912 parameters"), r.out());
    }

    static Path tinyText() {
        return tinyDir.resolve("tiny-synth-q8_0.gguf");
    }

    static Path tinyVision() {
        return tinyDir.resolve("mmproj-tiny-synth-f16.gguf");
    }

    /** The tiny preset mirrors the fixture model, so the tensor tables must agree with llama.cpp's files. */
    @Test
    void tinyFilesHaveTheFixtureTensorTables() throws IOException {
        compareWithFixture(tinyText(), GgufFixtures.TEXT_Q8_0, List.of("qwen3.block_count", "qwen3.context_length",
                "qwen3.embedding_length", "qwen3.feed_forward_length", "qwen3.attention.head_count", "qwen3.attention.head_count_kv",
                "qwen3.attention.key_length", "qwen3.attention.value_length", "qwen3.rope.freq_base",
                "qwen3.attention.layer_norm_rms_epsilon", "general.architecture", "general.type", "general.file_type",
                "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.add_bos_token", "general.quantization_version"));
        compareWithFixture(tinyVision(), GgufFixtures.MMPROJ_F16, List.of("general.architecture", "general.type",
                "general.file_type", "clip.has_vision_encoder", "clip.vision.projection_dim", "clip.vision.image_size",
                "clip.vision.patch_size", "clip.vision.embedding_length", "clip.vision.feed_forward_length",
                "clip.vision.block_count", "clip.vision.attention.head_count", "clip.projector_type",
                "clip.vision.attention.layer_norm_epsilon", "clip.use_gelu", "clip.vision.projector.scale_factor",
                "clip.vision.preproc_min_tiles", "clip.vision.preproc_max_tiles"));
    }

    private static void compareWithFixture(Path synth, String fixtureName, List<String> sameKeys) throws IOException {
        try (GgufFile s = GgufFile.open(synth); GgufFile f = GgufFile.open(GgufFixtures.path(fixtureName, tmp))) {
            assertEquals(f.tensors().size(), s.tensors().size(), synth.toString());
            for (GgufTensorInfo ft : f.tensors()) {
                GgufTensorInfo st = s.tensor(ft.name());
                assertNotNull(st, synth + " lacks " + ft.name());
                assertArrayEquals(ft.shape(), st.shape(), ft.name());
                assertEquals(ft.type(), st.type(), ft.name());
            }
            for (String k : sameKeys) {
                assertEquals(f.metadata().get(k).orElseThrow(), s.metadata().get(k).orElseThrow(), k);
            }
            for (var e : f.metadata().entries().entrySet()) {
                if (e.getValue().value() instanceof org.vlm4j.gguf.GgufArray a) {
                    var sa = s.metadata().getArray(e.getKey());
                    assertEquals(a.elementType(), sa.elementType(), e.getKey());
                    if (!e.getKey().equals("tokenizer.ggml.merges")) {
                        assertEquals(a.length(), sa.length(), e.getKey());
                    }
                }
            }
            if (f.architecture().equals("clip")) {
                assertArrayEquals(f.metadata().getArray("clip.vision.image_mean").floats(), s.metadata().getArray("clip.vision.image_mean").floats());
            }
        }
    }

    @Test
    void tinyTokenizerMetadataIsConsistent() throws IOException {
        try (GgufFile s = GgufFile.open(tinyText())) {
            GgufMetadata m = s.metadata();
            String[] tokens = m.getArray("tokenizer.ggml.tokens").strings();
            int[] types = m.getArray("tokenizer.ggml.token_type").ints();
            assertEquals("<|im_end|>", tokens[m.getInt("tokenizer.ggml.eos_token_id")]);
            assertEquals("<|endoftext|>", tokens[m.getInt("tokenizer.ggml.padding_token_id")]);
            Map<String, Integer> ids = new HashMap<>();
            for (int i = 0; i < tokens.length; i++) {
                assertTrue(ids.putIfAbsent(tokens[i], i) == null, "duplicate token " + tokens[i]);
            }
            for (String special : new String[] {"<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>", "<box>", "</box>"}) {
                assertEquals(3, types[ids.get(special)], special);
            }
            for (String userDefined : new String[] {"<think>", "</think>", "<tool_call>"}) {
                assertEquals(4, types[ids.get(userDefined)], userDefined);
            }
            assertEquals("[PAD4159]", tokens[4159]);
            assertEquals(5, types[4159]);
            assertTrue(m.getArray("tokenizer.ggml.merges").length() > 300);
        }
    }

    @Test
    void weightsHaveTheIntendedDistributions() throws IOException {
        try (GgufFile s = GgufFile.open(tinyText()); GgufFile v = GgufFile.open(tinyVision())) {
            // Q8_0 2-D weight ~ N(0, 1/fan_in): ffn_down has fan_in 128
            double[] st = stats(dequant(s, "blk.0.ffn_down.weight"));
            assertEquals(0, st[0], 0.01);
            assertEquals(1 / Math.sqrt(128), st[1], 0.03 / Math.sqrt(128));
            double[] emb = stats(dequant(s, "token_embd.weight"));
            assertEquals(1 / Math.sqrt(64), emb[1], 0.02 / Math.sqrt(64));
            double[] norm = stats(dequant(s, "blk.1.attn_norm.weight"));
            assertEquals(1, norm[0], 0.01);
            assertEquals(0.02, norm[1], 0.005);
            double[] f16 = stats(dequant(v, "v.blk.0.ffn_up.weight"));
            assertEquals(1 / Math.sqrt(64), f16[1], 0.03 / Math.sqrt(64));
            for (float x : dequant(v, "v.blk.1.ls2.weight")) {
                assertTrue(x >= 0.1f && x < 1f, "layer scale " + x);
            }
            assertTrue(stats(dequant(v, "v.blk.1.ls2.weight"))[1] > 0.15, "layer scales spread over (0.1, 1)");
            // different tensors get different values
            assertFalse(java.util.Arrays.equals(dequant(s, "blk.0.ffn_up.weight"), dequant(s, "blk.0.ffn_gate.weight")));
        }
    }

    @Test
    void otherTypesAndDeterminism() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        for (Path dir : new Path[] {a, b}) {
            Cli r = Cli.run("synth", "--preset", "tiny", "--out", dir.toString(), "--type", "q4_0", "--vision-type", "f32", "--seed", "7", "-q");
            assertEquals(0, r.status(), r.toString());
            assertEquals("", r.err(), "--quiet prints no progress");
        }
        assertEquals(0, Cli.run("synth", "--preset", "tiny", "--out", c.toString(), "--type", "Q4_0", "--vision-type", "F32", "--seed", "8", "-q").status());
        String text = "tiny-synth-q4_0.gguf";
        String vision = "mmproj-tiny-synth-f32.gguf";
        assertArrayEquals(Files.readAllBytes(a.resolve(text)), Files.readAllBytes(b.resolve(text)), "same seed, same bytes");
        assertArrayEquals(Files.readAllBytes(a.resolve(vision)), Files.readAllBytes(b.resolve(vision)));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve(text)), Files.readAllBytes(c.resolve(text))), "seed matters");
        try (GgufFile t = GgufFile.open(a.resolve(text)); GgufFile v = GgufFile.open(a.resolve(vision))) {
            assertEquals(GgmlType.Q4_0, t.tensor("output.weight").type());
            assertEquals(GgmlType.F32, t.tensor("output_norm.weight").type());
            assertEquals(2, t.metadata().getLong("general.file_type"));
            assertEquals(GgmlType.F32, v.tensor("v.patch_embd.weight").type());
            assertEquals(0, v.metadata().getLong("general.file_type"));
            double[] st = stats(dequant(t, "blk.0.attn_q.weight"));
            assertEquals(1 / Math.sqrt(64), st[1], 0.1 / Math.sqrt(64)); // 4-bit: coarser
        }
    }

    @Test
    void bf16TextWeightsAreTheRoundedValues() throws IOException {
        Path d = tmp.resolve("bf16");
        assertEquals(0, Cli.run("synth", "--preset", "tiny", "--out", d.toString(), "--type", "bf16", "--seed", "7", "-q").status());
        Path q8 = tmp.resolve("q8");
        assertEquals(0, Cli.run("synth", "--preset", "tiny", "--out", q8.toString(), "--seed", "7", "-q").status());
        try (GgufFile t = GgufFile.open(d.resolve("tiny-synth-bf16.gguf"))) {
            assertEquals(GgmlType.BF16, t.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.BF16, t.tensor("output.weight").type());
            assertEquals(GgmlType.F32, t.tensor("output_norm.weight").type());
            assertEquals(32, t.metadata().getLong("general.file_type"));
            double[] st = stats(dequant(t, "blk.0.ffn_down.weight"));
            assertEquals(0, st[0], 0.01);
            assertEquals(1 / Math.sqrt(128), st[1], 0.03 / Math.sqrt(128));
            // the same seed draws the same values whatever the type: BF16 and Q8_0 agree to their rounding
            try (GgufFile q = GgufFile.open(q8.resolve("tiny-synth-q8_0.gguf"))) {
                float[] b = dequant(t, "blk.0.ffn_down.weight");
                float[] r = dequant(q, "blk.0.ffn_down.weight");
                for (int i = 0; i < b.length; i++) {
                    assertEquals(r[i], b[i], 0.01 * Math.abs(r[i]) + 0.004, "value " + i);
                }
            }
        }
    }

    /** The full-size plan, checked against the spec's exact counts without writing 1 GB. */
    @Test
    void fullSizePlanMatchesTheSpec() {
        SynthCommand.Plan p = SynthCommand.plan("internvl3_5-1b", "q8_0", "f16", tmp);
        assertEquals(751_632_384L, SynthPlan.elements(p.text()));
        long vit = 0;
        long projector = 0;
        for (TensorSpec t : p.vision()) {
            if (t.name().startsWith("mm.")) {
                projector += t.elementCount();
            } else {
                vit += t.elementCount();
            }
        }
        assertEquals(304_012_288L, vit);
        assertEquals(5_253_120L, projector);
        assertEquals(3 + 28 * 11, p.text().size());
        assertEquals(4 + 24 * 18 + 6, p.vision().size());
        Map<String, TensorSpec> text = byName(p.text());
        Map<String, TensorSpec> vis = byName(p.vision());
        check(text, "token_embd.weight", GgmlType.Q8_0, 1024, 151936);
        check(text, "output.weight", GgmlType.Q8_0, 1024, 151936);
        check(text, "blk.27.attn_q.weight", GgmlType.Q8_0, 1024, 2048);
        check(text, "blk.27.attn_k.weight", GgmlType.Q8_0, 1024, 1024);
        check(text, "blk.27.attn_output.weight", GgmlType.Q8_0, 2048, 1024);
        check(text, "blk.27.attn_q_norm.weight", GgmlType.F32, 128);
        check(text, "blk.0.ffn_down.weight", GgmlType.Q8_0, 3072, 1024);
        check(text, "output_norm.weight", GgmlType.F32, 1024);
        check(vis, "v.patch_embd.weight", GgmlType.F16, 14, 14, 3, 1024);
        check(vis, "v.class_embd", GgmlType.F32, 1024, 1, 1);
        check(vis, "v.position_embd.weight", GgmlType.F32, 1024, 1025, 1);
        check(vis, "v.blk.23.ffn_up.weight", GgmlType.F16, 1024, 4096);
        check(vis, "v.blk.23.ffn_down.bias", GgmlType.F32, 1024);
        check(vis, "v.blk.23.ls1.weight", GgmlType.F32, 1024);
        check(vis, "mm.model.mlp.0.weight", GgmlType.F32, 4096);
        check(vis, "mm.model.mlp.1.weight", GgmlType.F16, 4096, 1024);
        check(vis, "mm.model.mlp.3.weight", GgmlType.F16, 1024, 1024);
        // F32 vision: the patch embedding follows the file type
        check(byName(SynthCommand.plan("internvl3_5-1b", "f16", "f32", tmp).vision()), "v.patch_embd.weight", GgmlType.F32, 14, 14, 3, 1024);
        // tensor bytes of the Q8_0 file: 2-D weights at 34 bytes per 32, the rest F32
        long q8 = 0;
        long f32 = 0;
        for (TensorSpec t : p.text()) {
            if (t.type() == GgmlType.Q8_0) {
                q8 += t.elementCount();
            } else {
                f32 += t.elementCount();
            }
        }
        assertEquals(65_536, f32);
        assertEquals(q8 / 32 * 34 + f32 * 4, p.text().stream().mapToLong(TensorSpec::byteSize).sum());
    }

    @Test
    void fullSizeLayoutThroughTheWriterWithoutWriting() throws IOException {
        SynthCommand.Plan p = SynthCommand.plan("internvl3_5-1b", "q8_0", "f16", tmp);
        SynthVocab vocab = SynthVocab.generated(SynthPreset.INTERNVL3_5_1B.vocabRows(), 100);
        Path target = tmp.resolve("never-written.gguf");
        try (GgufWriter w = GgufWriter.create(target)) {
            SynthPlan.putTextMetadata(w, p.preset(), p.textType(), vocab, 1);
            for (TensorSpec t : p.text()) {
                w.addTensor(t.name(), t.type(), t.shape());
            }
            List<GgufTensorInfo> layout = w.tensors();
            GgufTensorInfo last = layout.get(layout.size() - 1);
            long data = 0;
            for (GgufTensorInfo t : layout) {
                assertEquals(data, t.offset(), t.name());
                data = (t.offset() + t.byteSize() + 31) / 32 * 32;
            }
            assertEquals(w.dataOffset() + data, w.fileSize());
            assertEquals(0, w.dataOffset() % 32);
            assertTrue(w.fileSize() >= w.dataOffset() + last.offset() + last.byteSize());
            assertTrue(w.fileSize() < 810_000_000L && w.fileSize() > 795_000_000L, "size " + w.fileSize());
        }
        assertFalse(Files.exists(target));
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() {
        Path dir = tmp.resolve("dry");
        Cli r = Cli.run("synth", "--dry-run", "--out", dir.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("total parameters: 1,060,897,792"), r.out());
        assertTrue(r.out().contains("311 tensors, 751,632,384 parameters"), r.out());
        assertTrue(r.out().contains("442 tensors, 309,265,408 parameters"), r.out());
        assertFalse(Files.exists(dir));
    }

    @Test
    void errors() throws IOException {
        Cli exists = Cli.run("synth", "--preset", "tiny", "--out", tinyDir.toString(), "-q");
        assertEquals(Main.EXIT_ERROR, exists.status(), exists.toString());
        assertTrue(exists.err().contains("already exists (use --force"), exists.err());
        assertFalse(exists.hasStackTrace());

        Cli badType = Cli.run("synth", "--preset", "tiny", "--type", "q5_k", "--out", tmp.resolve("x").toString());
        assertEquals(Main.EXIT_USAGE, badType.status(), badType.toString());
        assertTrue(badType.err().startsWith("vlm4j: error: --type q5_k is not supported; use one of q8_0, q4_0, f16, bf16, f32"), badType.err());
        Cli badVision = Cli.run("synth", "--preset", "tiny", "--vision-type", "q8_0", "--out", tmp.resolve("x").toString());
        assertEquals(Main.EXIT_USAGE, badVision.status(), badVision.toString());
        Cli badPreset = Cli.run("synth", "--preset", "huge", "--out", tmp.resolve("x").toString());
        assertEquals(Main.EXIT_USAGE, badPreset.status());
        assertTrue(badPreset.err().contains("unknown preset 'huge'"), badPreset.err());

        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        Cli notDir = Cli.run("synth", "--preset", "tiny", "--out", file.toString());
        assertEquals(Main.EXIT_ERROR, notDir.status());
        Cli noTokenizer = Cli.run("synth", "--preset", "tiny", "--out", tmp.resolve("t").toString(), "--tokenizer", tmp.resolve("none.json").toString());
        assertEquals(Main.EXIT_ERROR, noTokenizer.status(), noTokenizer.toString());
        assertTrue(noTokenizer.err().contains("file not found: " + tmp.resolve("none.json")), noTokenizer.err());
        assertFalse(Files.exists(tmp.resolve("t").resolve("tiny-synth-q8_0.gguf")));
    }

    @Test
    void tokenizerJsonIsEmbedded() throws IOException {
        Path json = Files.writeString(tmp.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [
                   {"id": 6, "content": "<|endoftext|>", "special": true},
                   {"id": 7, "content": "<|im_start|>", "special": true},
                   {"id": 8, "content": "<|im_end|>", "special": true},
                   {"id": 9, "content": "<think>", "special": false}],
                 "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "\\u0120": 3, "\\u0120ab": 4},
                           "merges": ["a b", ["\\u0120", "ab"]]}}
                """);
        Path dir = tmp.resolve("tok");
        Cli r = Cli.run("synth", "--preset", "tiny", "--out", dir.toString(), "--tokenizer", json.toString(), "-q");
        assertEquals(0, r.status(), r.toString());
        try (GgufFile f = GgufFile.open(dir.resolve("tiny-synth-q8_0.gguf"))) {
            String[] tokens = f.metadata().getArray("tokenizer.ggml.tokens").strings();
            int[] types = f.metadata().getArray("tokenizer.ggml.token_type").ints();
            assertEquals(4160, tokens.length);
            assertArrayEquals(new String[] {"a", "b", "ab", "Ġ", "Ġab", "[PAD5]", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>"},
                    java.util.Arrays.copyOf(tokens, 10));
            assertArrayEquals(new int[] {1, 1, 1, 1, 1, 5, 3, 3, 3, 4}, java.util.Arrays.copyOf(types, 10));
            assertArrayEquals(new String[] {"a b", "Ġ ab"}, f.metadata().getArray("tokenizer.ggml.merges").strings());
            assertEquals(8, f.metadata().getLong("tokenizer.ggml.eos_token_id"));
            assertEquals(6, f.metadata().getLong("tokenizer.ggml.padding_token_id"));
        }
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"model\": {\"vocab\": {\"a\": 99999}}}");
        Cli tooBig = Cli.run("synth", "--preset", "tiny", "--out", tmp.resolve("tok2").toString(), "--tokenizer", bad.toString());
        assertEquals(Main.EXIT_ERROR, tooBig.status());
        assertTrue(tooBig.err().contains("model.vocab[a] = 99999 does not fit the model's 4160 vocabulary rows"), tooBig.err());
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"model\":\n  [1, 2,, 3]}");
        Cli syntax = Cli.run("synth", "--preset", "tiny", "--out", tmp.resolve("tok3").toString(), "--tokenizer", broken.toString());
        assertEquals(Main.EXIT_ERROR, syntax.status());
        assertTrue(syntax.err().contains("broken.json") && syntax.err().contains("line 2, column 9"), syntax.err());
    }

    private static Map<String, TensorSpec> byName(List<TensorSpec> l) {
        Map<String, TensorSpec> m = new HashMap<>();
        for (TensorSpec t : l) {
            assertTrue(m.put(t.name(), t) == null, "duplicate " + t.name());
        }
        return m;
    }

    private static void check(Map<String, TensorSpec> m, String name, GgmlType type, long... shape) {
        TensorSpec t = m.get(name);
        assertNotNull(t, name);
        assertEquals(type, t.type(), name);
        assertArrayEquals(shape, t.shape(), name);
    }

    /** Decodes F32/F16/Q8_0/Q4_0 with the format definitions (independent of the generator). */
    static float[] dequant(GgufFile f, String name) {
        GgufTensorInfo t = f.tensor(name);
        MemorySegment s = f.tensorData(t);
        int n = (int) t.elementCount();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.type()) {
                case F32 -> s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i);
                case F16 -> Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i));
                case BF16 -> Float.intBitsToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i) << 16);
                case Q8_0 -> Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, i / 32 * 34L))
                        * s.get(ValueLayout.JAVA_BYTE, i / 32 * 34L + 2 + i % 32);
                case Q4_0 -> {
                    long blk = i / 32 * 18L;
                    int j = i % 32;
                    int q = s.get(ValueLayout.JAVA_BYTE, blk + 2 + j % 16) & 0xFF;
                    int nib = j < 16 ? q & 0xF : q >>> 4;
                    yield Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, blk)) * (nib - 8);
                }
                default -> throw new AssertionError(t.type());
            };
        }
        return out;
    }

    /** {mean, standard deviation}. */
    static double[] stats(float[] v) {
        double sum = 0;
        double sq = 0;
        for (float x : v) {
            sum += x;
            sq += (double) x * x;
        }
        double mean = sum / v.length;
        return new double[] {mean, Math.sqrt(Math.max(0, sq / v.length - mean * mean))};
    }
}
