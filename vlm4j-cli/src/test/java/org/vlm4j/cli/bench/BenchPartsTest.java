package org.vlm4j.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.gguf.GgufFixtures;
import org.vlm4j.model.internvit.InternVitConfig;
import org.vlm4j.model.internvit.InternVitModel;
import org.vlm4j.tokenizer.Tokenizer;

/** The pieces of the benchmark: statistics, /proc parsing, seeded inputs, model facts. */
class BenchPartsTest {
    @TempDir
    static Path tmp;

    @Test
    void meanAndSampleStandardDeviation() {
        Samples s = new Samples(new double[] {2, 4, 4, 4, 5, 5, 7, 9});
        assertEquals(5.0, s.mean(), 1e-12);
        assertEquals(Math.sqrt(32.0 / 7), s.stddev(), 1e-12); // n - 1 in the denominator
        assertEquals(0.0, new Samples(new double[] {3}).stddev());
        Samples rates = Samples.ratesFromSeconds(512, new double[] {2, 4});
        assertArrayEquals(new double[] {256, 128}, rates.values(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new Samples(new double[0]));
    }

    @Test
    void procStatusFieldsAreReadInBytes() throws Exception {
        Path status = Files.writeString(tmp.resolve("status"),
                "Name:\tjava\nVmPeak:\t 9999 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   100 kB\nThreads:\t3\n");
        assertEquals(OptionalLong.of(123456L * 1024), ProcessMemory.field(status, "VmHWM:"));
        assertEquals(OptionalLong.of(100L * 1024), ProcessMemory.field(status, "VmRSS:"));
        assertEquals(OptionalLong.empty(), ProcessMemory.field(status, "VmSwap:"));
        assertEquals(OptionalLong.empty(), ProcessMemory.field(status, "Threads:")); // no kB unit
        assertEquals(OptionalLong.empty(), ProcessMemory.field(tmp.resolve("absent"), "VmHWM:"));
        assertEquals(OptionalLong.empty(), ProcessMemory.parseKb(" twelve kB"));
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            long peak = ProcessMemory.peakRssBytes().orElseThrow();
            long now = ProcessMemory.currentRssBytes().orElseThrow();
            assertTrue(now > 0 && peak >= now, peak + " " + now);
        }
    }

    @Test
    void tokenIdsAreSeededOrdinaryAndInRange() throws Exception {
        try (GgufFile f = GgufFile.open(GgufFixtures.path(GgufFixtures.TEXT_Q8_0, tmp))) {
            Tokenizer tok = Tokenizer.fromGguf(f);
            int vocab = tok.vocabSize();
            int[] a = new RandomInputs(tok, vocab, 7).tokens(2000);
            assertArrayEquals(a, new RandomInputs(tok, vocab, 7).tokens(2000));
            assertFalse(java.util.Arrays.equals(a, new RandomInputs(tok, vocab, 8).tokens(2000)));
            int imStart = tok.requireTokenId("<|im_start|>");
            for (int id : a) {
                assertTrue(id >= 0 && id < vocab, "id " + id);
                assertFalse(tok.isAddedToken(id), "added token " + id + " " + tok.tokenText(id));
                assertTrue(id != imStart);
            }
            RandomInputs small = new RandomInputs(tok, 100, 1);
            for (int id : small.tokens(500)) {
                assertTrue(id < 100, "limit of the model's embedding rows: " + id);
            }
            int[] ordinary = RandomInputs.ordinaryTokens(tok, vocab);
            assertTrue(ordinary.length > 0 && ordinary.length < vocab, "specials are excluded: " + ordinary.length + " of " + vocab);
        }
    }

    @Test
    void tilePixelsAreNormalisedBytes() throws Exception {
        try (InternVitModel m = InternVitModel.load(GgufFixtures.path(GgufFixtures.MMPROJ_F16, tmp));
                GgufFile f = GgufFile.open(GgufFixtures.path(GgufFixtures.TEXT_Q8_0, tmp))) {
            InternVitConfig c = m.config();
            float[] px = new RandomInputs(Tokenizer.fromGguf(f), 1000, 3).tile(c);
            assertEquals(c.pixelsPerTile(), px.length);
            int plane = c.imageSize() * c.imageSize();
            for (int ch = 0; ch < 3; ch++) {
                float lo = (0 - c.imageMean()[ch]) / c.imageStd()[ch];
                float hi = (1 - c.imageMean()[ch]) / c.imageStd()[ch];
                double sum = 0;
                for (int i = 0; i < plane; i++) {
                    float v = px[ch * plane + i];
                    assertTrue(v >= lo - 1e-6f && v <= hi + 1e-6f, "channel " + ch + " value " + v);
                    // v * std + mean must be a multiple of 1/255 (an 8-bit value)
                    double u8 = (v * c.imageStd()[ch] + c.imageMean()[ch]) * 255;
                    assertEquals(Math.rint(u8), u8, 1e-3);
                    sum += u8;
                }
                assertEquals(127.5, sum / plane, 2.0, "uniform bytes average 127.5");
            }
        }
    }

    @Test
    void modelFactsCountBytesByTypeLargestFirst() throws Exception {
        try (GgufFile f = GgufFile.open(GgufFixtures.path(GgufFixtures.TEXT_Q8_0, tmp))) {
            ModelFacts m = ModelFacts.of(f);
            assertEquals("qwen3", m.architecture());
            assertEquals(631232, m.parameters());
            assertEquals(672000, m.tensorBytes());
            assertEquals("Q8_0", m.mainType());
            assertEquals("Q8_0+F32", m.typeList());
            assertEquals(m.tensorBytes(), m.bytesByType().values().stream().mapToLong(Long::longValue).sum());
            // decode reads all weights but the embedding, of which one row (the tiny model: 4160 x 64 Q8_0 rows of
            // 68 B, with a separate output.weight): 672,000 - 282,880 + 68
            assertEquals(672000 - 282880 + 68, m.decodeBytes());
            GgufTensorInfo e = f.tensor("token_embd.weight");
            assertTrue(f.hasTensor("output.weight"));
            assertEquals(m.tensorBytes() - e.byteSize() + e.byteSize() / e.dim(1), m.decodeBytes());
            assertTrue(m.decodeBytes() < m.tensorBytes());
        }
    }

    /** Without output.weight the embedding is the output head: a decoded token reads all of it. */
    @Test
    void tiedEmbeddingCountsWholeForDecode() throws Exception {
        Path p = tmp.resolve("tied.gguf");
        try (org.vlm4j.gguf.GgufWriter w = org.vlm4j.gguf.GgufWriter.create(p)) {
            w.putString("general.architecture", "qwen3");
            w.addTensor("token_embd.weight", org.vlm4j.gguf.GgmlType.F32, 8, 10);
            w.addTensor("blk.0.ffn_up.weight", org.vlm4j.gguf.GgmlType.F32, 8, 4);
            w.writeHeader();
            w.writeTensorData(new byte[320], 0, 320);
            w.writeTensorData(new byte[128], 0, 128);
            w.finish();
        }
        try (GgufFile f = GgufFile.open(p)) {
            ModelFacts m = ModelFacts.of(f);
            assertEquals(448, m.tensorBytes());
            assertEquals(448, m.decodeBytes());
        }
    }

    @Test
    void settingsNeedRoomForTheLargerTest() {
        Path p = Path.of("x.gguf");
        assertEquals(512, new BenchSettings(p, null, 512, 128, 1, 1, 0, 1).effectiveContext());
        assertEquals(129, new BenchSettings(p, null, 16, 128, 1, 1, 0, 1).effectiveContext());
        assertEquals(4096, new BenchSettings(p, null, 512, 128, 1, 1, 4096, 1).effectiveContext());
        assertEquals(1, new BenchSettings(p, null, 0, 0, 1, 1, 0, 1).effectiveContext());
        BenchSettings deep = new BenchSettings(p, null, 512, 128, 1, 1, 0, 1, org.vlm4j.model.qwen3.KvCacheType.F16, 2048);
        assertEquals(2560, deep.effectiveContext());
        assertEquals(" @ d2048", deep.depthLabel());
        assertEquals("", new BenchSettings(p, null, 512, 128, 1, 1, 0, 1).depthLabel());
        assertThrows(IllegalArgumentException.class,
                () -> new BenchSettings(p, null, 1, 0, 1, 1, 0, 1, org.vlm4j.model.qwen3.KvCacheType.F16, -1));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(p, null, -1, 0, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(p, null, 0, 0, 0, 1, 0, 1));
    }
}
