package org.vlm4j.cli.bench;

import java.util.SplittableRandom;
import org.vlm4j.model.internvit.InternVitConfig;
import org.vlm4j.tokenizer.Tokenizer;

/**
 * Seeded random inputs for the benchmark, so that two runs with the same seed compute exactly the
 * same thing. Token ids are drawn from ordinary vocabulary tokens only: an id that is out of range
 * would fail, and a special or added token could trigger code paths (or, in a real model, attention
 * patterns) that ordinary text does not.
 */
public final class RandomInputs {
    private final SplittableRandom random;
    private final int[] ordinary;

    /**
     * @param tokenizer the model's vocabulary
     * @param modelVocab rows of the model's embedding table (ids must be below it too)
     * @throws IllegalArgumentException if the vocabulary has no ordinary token at all
     */
    public RandomInputs(Tokenizer tokenizer, int modelVocab, long seed) {
        this.random = new SplittableRandom(seed);
        this.ordinary = ordinaryTokens(tokenizer, modelVocab);
        if (ordinary.length == 0) {
            throw new IllegalArgumentException("the vocabulary has no ordinary (non-special, non-added) token to benchmark with");
        }
    }

    /** Ids below {@code limit} that have a vocabulary entry and are neither special nor added tokens. */
    static int[] ordinaryTokens(Tokenizer tokenizer, int limit) {
        int n = Math.min(limit, tokenizer.vocabSize());
        int[] ids = new int[n];
        int count = 0;
        for (int id = 0; id < n; id++) {
            if (tokenizer.tokenText(id) != null && !tokenizer.isAddedToken(id)) {
                ids[count++] = id;
            }
        }
        return java.util.Arrays.copyOf(ids, count);
    }

    /** Number of distinct ids the draws come from. */
    public int candidates() {
        return ordinary.length;
    }

    /** {@code n} ordinary token ids. */
    public int[] tokens(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = ordinary[random.nextInt(ordinary.length)];
        }
        return out;
    }

    /**
     * One tile of random 8-bit RGB pixels, normalised as the image preprocessor would ({@code
     * (u8/255 - mean)/std}), in the encoder's {@code [3][S][S]} layout.
     */
    public float[] tile(InternVitConfig c) {
        int s = c.imageSize();
        float[] mean = c.imageMean();
        float[] std = c.imageStd();
        float[] px = new float[c.pixelsPerTile()];
        int plane = s * s;
        for (int ch = 0; ch < 3; ch++) {
            for (int i = 0; i < plane; i++) {
                px[ch * plane + i] = (random.nextInt(256) / 255f - mean[ch]) / std[ch];
            }
        }
        return px;
    }
}
