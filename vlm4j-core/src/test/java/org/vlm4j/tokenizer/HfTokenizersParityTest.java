package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized comparison with the reference implementation itself: Hugging Face {@code tokenizers}
 * (Rust, through DJL's JNI binding, which bundles the native library for linux-x86_64 and works
 * offline). Seeded, so failures are reproducible.
 */
class HfTokenizersParityTest {
    private static final int STRINGS = 3000;

    @TempDir
    static Path tmp;

    private static HuggingFaceTokenizer reference;
    private static HuggingFaceTokenizer splitterProbe;

    @BeforeAll
    static void loadReference() throws Exception {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        assumeTrue(os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64")),
                "DJL bundles the HF tokenizers native library only for some platforms");
        // keep DJL's extracted native library inside the build directory, not in ~/.djl.ai
        System.setProperty("DJL_CACHE_DIR", Path.of("target", "djl-cache").toAbsolutePath().toString());
        System.setProperty("offline", "true");

        Path json = tmp.resolve("real").resolve("tokenizer.json");
        Files.createDirectories(json.getParent());
        try (InputStream in = new GZIPInputStream(Files.newInputStream(TokenizerFixtures.resource("tokenizer.json.gz")))) {
            Files.copy(in, json);
        }
        reference = HuggingFaceTokenizer.builder().optTokenizerPath(json).optAddSpecialTokens(false)
                .optTruncation(false).build();

        // Same pre-tokenizer with a WordLevel model that knows no word: every pre-token becomes one
        // [UNK] whose character span (in code points) reveals exactly where the reference splits.
        ObjectNode probe = TokenizerFixtures.JSON.createObjectNode();
        probe.put("version", "1.0");
        probe.set("pre_tokenizer", TokenizerFixtures.realJson().get("pre_tokenizer"));
        ObjectNode model = probe.putObject("model");
        model.put("type", "WordLevel");
        model.putObject("vocab").put("[UNK]", 0);
        model.put("unk_token", "[UNK]");
        Path probeJson = tmp.resolve("probe").resolve("tokenizer.json");
        Files.createDirectories(probeJson.getParent());
        TokenizerFixtures.JSON.writeValue(probeJson.toFile(), probe);
        splitterProbe = HuggingFaceTokenizer.builder().optTokenizerPath(probeJson).optAddSpecialTokens(false)
                .optTruncation(false).build();
    }

    @AfterAll
    static void close() {
        if (reference != null) {
            reference.close();
        }
        if (splitterProbe != null) {
            splitterProbe.close();
        }
    }

    private static int[] referenceIds(String text) {
        long[] ids = reference.encode(text, false, false).getIds();
        return Arrays.stream(ids).mapToInt(l -> (int) l).toArray();
    }

    @Test
    void referenceSeesTheGoldens() {
        // guards the harness itself: the bound library reproduces the recorded HF ids
        for (TokenizerFixtures.Golden g : TokenizerFixtures.goldens()) {
            assertEquals(Arrays.toString(g.ids()), Arrays.toString(referenceIds(g.text())), g.id());
        }
    }

    @Test
    void randomStringsEncodeToTheReferenceIds() {
        Tokenizer tok = TokenizerFixtures.real();
        RandomText gen = new RandomText(20251127L, true);
        List<String> failures = new ArrayList<>();
        int withAdded = 0;
        for (int i = 0; i < STRINGS; i++) {
            String s = gen.next();
            int[] expected = referenceIds(s);
            int[] actual = tok.encode(s);
            for (int id : expected) {
                if (tok.isAddedToken(id)) {
                    withAdded++;
                    break;
                }
            }
            if (!Arrays.equals(expected, actual) && failures.size() < 20) {
                failures.add("#" + i + " " + TokenizerGoldenTest.escape(s) + "\n   hf   " + Arrays.toString(expected)
                        + "\n   ours " + Arrays.toString(actual));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(withAdded > STRINGS / 10, "enough strings contain added tokens: " + withAdded);
    }

    @Test
    void randomStringsSplitIntoTheReferencePreTokens() {
        RandomText gen = new RandomText(7L, false);
        List<String> failures = new ArrayList<>();
        IntList ends = new IntList(64);
        for (int i = 0; i < STRINGS; i++) {
            String s = gen.next();
            Encoding e = splitterProbe.encode(s, false, false);
            List<Integer> expected = new ArrayList<>();
            for (CharSpan span : e.getCharTokenSpans()) {
                expected.add(span.getEnd());
            }
            ends.clear();
            Qwen2PreTokenizer.split(s, ends);
            List<Integer> actual = new ArrayList<>();
            for (int k = 0; k < ends.size(); k++) {
                actual.add(s.codePointCount(0, ends.get(k))); // the reference reports code point offsets
            }
            if (!expected.equals(actual) && failures.size() < 20) {
                failures.add("#" + i + " " + TokenizerGoldenTest.escape(s) + "\n   hf ends   " + expected
                        + "\n   our ends  " + actual);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void illFormedUtf8DecodesLikeTheReference() {
        Tokenizer tok = TokenizerFixtures.real();
        int[][] cases = {
            {0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64},
            {0xED, 0xA0, 0x80}, {0xED, 0x9F, 0xBF}, {0xC0, 0xAF}, {0xE0, 0x80, 0xAF}, {0xF4, 0x90, 0x80, 0x80},
            {0xF0, 0x9F, 0x98}, {0xE2, 0x82, 0x41}, {0xFF, 0xFE}, {0x6D, 0x41, 0xF1, 0xEF, 0xED, 0xA0, 0xE8}
        };
        for (int[] bytes : cases) {
            int[] ids = new int[bytes.length];
            for (int k = 0; k < bytes.length; k++) {
                ids[k] = tok.tokenId(String.valueOf(ByteLevel.charOf(bytes[k])));
            }
            String expected = reference.decode(Arrays.stream(ids).asLongStream().toArray(), false);
            assertEquals(expected, tok.decode(ids), Arrays.toString(bytes));
        }
    }

    @Test
    void randomIdSequencesDecodeLikeTheReference() {
        Tokenizer tok = TokenizerFixtures.real();
        Random r = new Random(99);
        int vocab = tok.vocabSize();
        int withReplacement = 0;
        for (int i = 0; i < STRINGS; i++) {
            int n = 1 + r.nextInt(12);
            int[] ids = new int[n];
            for (int k = 0; k < n; k++) {
                // bias towards single-byte tokens (ids 0..255 are the byte alphabet) to cut characters
                ids[k] = r.nextInt(3) == 0 ? r.nextInt(256) : r.nextInt(vocab);
            }
            long[] longs = Arrays.stream(ids).asLongStream().toArray();
            String expected = reference.decode(longs, false);
            assertEquals(expected, tok.decode(ids), () -> "ids " + Arrays.toString(ids));
            assertEquals(reference.decode(longs, true), tok.decode(ids, true), () -> "skip special, ids " + Arrays.toString(ids));
            if (expected.indexOf('\uFFFD') >= 0) {
                withReplacement++;
            }
            StreamingDecoder sd = tok.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(sd.feed(id));
            }
            sb.append(sd.flush());
            assertEquals(expected, sb.toString(), () -> "streaming, ids " + Arrays.toString(ids));
        }
        assertTrue(withReplacement > STRINGS / 10, "ill-formed UTF-8 was exercised: " + withReplacement);
    }
}
