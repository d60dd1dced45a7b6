package org.vlm4j.cli.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vlm4j.gguf.GgmlType;

/** The generated vocabulary and the private weight encoders of the synth. */
class SynthVocabTest {
    static final SynthVocab VOCAB = SynthVocab.generated(4160, 1000);

    @Test
    void byteAlphabetIsGpt2Order() {
        String[] t = VOCAB.tokens();
        Set<String> bytes = new HashSet<>();
        for (int i = 0; i < 256; i++) {
            assertEquals(1, t[i].length());
            bytes.add(t[i]);
        }
        assertEquals(256, bytes.size());
        assertEquals("!", t[0]);            // byte 0x21 comes first
        assertEquals("~", t[93]);           // 0x7e, the last of the 94 printable ASCII bytes
        assertEquals("\u00a1", t[94]);      // then 0xa1
        assertEquals("\u0100", t[188]);     // then byte 0x00 remapped
        assertEquals("\u0120", t[188 + 32]); // space 0x20 -> U+0120 'Ġ'
        assertEquals("\u010a", t[188 + 10]); // newline -> 'Ċ'
    }

    @Test
    void mergesAreClosedAndEnglishBecomesMultiByteTokens() {
        String[] tokens = VOCAB.tokens();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            ids.putIfAbsent(tokens[i], i);
        }
        String[] merges = VOCAB.merges();
        assertTrue(merges.length >= 500, "merges: " + merges.length);
        for (String m : merges) {
            String[] p = m.split(" ");
            assertEquals(2, p.length, m);
            assertTrue(ids.containsKey(p[0]) && ids.containsKey(p[1]) && ids.containsKey(p[0] + p[1]), m);
        }
        assertTrue(ids.containsKey("Ġthe"));
        List<String> enc = bpe(" the picture shows a small boat", merges);
        assertTrue(enc.size() <= 8, "tokens: " + enc);
        assertTrue(enc.contains("Ġthe"), "tokens: " + enc);
        assertEquals(" the picture shows a small boat".getBytes(StandardCharsets.UTF_8).length, enc.stream().mapToInt(String::length).sum());
    }

    @Test
    void addedTokensAndPadding() {
        assertEquals(4160, VOCAB.size());
        int[] types = VOCAB.tokenTypes();
        int imEnd = VOCAB.requireId("<|im_end|>");
        assertEquals(VOCAB.requireId("<|im_start|>") + 1, imEnd);
        assertEquals(3, types[imEnd]);
        assertEquals(4, types[VOCAB.requireId("<think>")]);
        assertEquals(3, types[VOCAB.requireId("<IMG_CONTEXT>")]);
        assertEquals(VOCAB.requireId("<img>") + 2, VOCAB.requireId("<IMG_CONTEXT>"));
        assertEquals(35, SynthVocab.ADDED_TOKENS.size());
        int firstPad = VOCAB.requireId("</box>") + 1;
        assertEquals("[PAD" + firstPad + "]", VOCAB.tokens()[firstPad]);
        for (int i = firstPad; i < 4160; i++) {
            assertEquals(5, types[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> VOCAB.requireId("<nope>"));
        assertThrows(IllegalArgumentException.class, () -> SynthVocab.generated(200, 10));
    }

    /** Plain BPE by merge rank over byte symbols (test-side reference). */
    static List<String> bpe(String text, String[] merges) {
        Map<String, Integer> rank = new HashMap<>();
        for (int i = 0; i < merges.length; i++) {
            rank.put(merges[i], i);
        }
        char[] sym = SynthVocab.byteToSymbol();
        List<String> parts = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            parts.add(String.valueOf(sym[b & 0xFF]));
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = rank.get(parts.get(i) + " " + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                return parts;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
    }

    @Test
    void q8AndQ4EncodersRoundTrip() {
        SplittableRandom r = new SplittableRandom(3);
        float[] v = new float[32 * 64];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * (i < 32 ? 0 : 0.05)); // first block all zeros
        }
        MemorySegment q8 = MemorySegment.ofArray(new byte[v.length / 32 * 34]);
        assertEquals(q8.byteSize(), RandomWeights.encode(GgmlType.Q8_0, v, v.length, q8));
        MemorySegment q4 = MemorySegment.ofArray(new byte[v.length / 32 * 18]);
        assertEquals(q4.byteSize(), RandomWeights.encode(GgmlType.Q4_0, v, v.length, q4));
        for (int b = 0; b < v.length / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(v[b * 32 + j]));
            }
            float d8 = Float.float16ToFloat(q8.get(ValueLayout.JAVA_SHORT_UNALIGNED, b * 34L));
            float d4 = Float.float16ToFloat(q4.get(ValueLayout.JAVA_SHORT_UNALIGNED, b * 18L));
            assertEquals(amax / 127, d8, amax / 127 * 1e-3 + 1e-9);
            assertEquals(amax / 8, Math.abs(d4), amax / 8 * 1e-3 + 1e-9);
            for (int j = 0; j < 32; j++) {
                float x = v[b * 32 + j];
                float y8 = d8 * q8.get(ValueLayout.JAVA_BYTE, b * 34L + 2 + j);
                int byt = q4.get(ValueLayout.JAVA_BYTE, b * 18L + 2 + j % 16) & 0xFF;
                int nib = j < 16 ? byt & 0xF : byt >>> 4;
                float y4 = d4 * (nib - 8);
                // half a step, plus |q| times the f16 rounding of the scale (the quants use the exact scale)
                assertEquals(x, y8, d8 * (0.5 + 127 * 0x1p-11) + 1e-9, "q8 block " + b);
                // Q4_0 has 16 levels, -8d..7d: values near +8d clamp to 7d (error up to d)
                assertEquals(x, y4, Math.abs(d4) * ((nib == 15 ? 1 : 0.5) + 8 * 0x1p-11) + 1e-9, "q4 block " + b);
            }
        }
    }

    @Test
    void normalGeneratorMoments() {
        float[] v = new float[1 << 20];
        RandomWeights.fill(v, v.length, TensorSpec.Init.normal(0.5, 2.0), 99);
        double sum = 0;
        double sq = 0;
        double four = 0;
        for (float x : v) {
            sum += x;
        }
        double mean = sum / v.length;
        for (float x : v) {
            double d = (x - mean) / 2.0;
            sq += d * d;
            four += d * d * d * d;
        }
        assertEquals(0.5, mean, 0.01);
        assertEquals(1.0, sq / v.length, 0.01);
        assertEquals(2.7, four / v.length, 0.1); // Irwin-Hall(4): excess kurtosis -0.3
        float[] u = new float[100_000];
        RandomWeights.fill(u, u.length, TensorSpec.Init.uniform(0.1, 1.0), 1);
        for (float x : u) {
            assertTrue(x >= 0.1f && x < 1.0f);
        }
    }
}
