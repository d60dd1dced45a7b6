package org.vlm4j.chat;

import java.util.Arrays;

/**
 * What a {@link Generator} run may do: at most {@code maxNewTokens} tokens, stop at any of
 * {@code stopTokens} (the end-of-generation ids, found by text in the vocabulary by the tokenizer
 * layer, e.g. {@code <|im_end|>} and {@code <|endoftext|>}), sample with {@code sampler}.
 */
public record GenerationOptions(int maxNewTokens, int[] stopTokens, SamplerConfig sampler) {
    /** The spec's default answer length limit. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 1024;

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens " + maxNewTokens + " < 0");
        }
        stopTokens = stopTokens.clone();
        if (sampler == null) {
            throw new IllegalArgumentException("sampler config is null");
        }
    }

    /** 1024 new tokens, the given stop ids, {@link SamplerConfig#DEFAULT}. */
    public static GenerationOptions defaults(int... stopTokens) {
        return new GenerationOptions(DEFAULT_MAX_NEW_TOKENS, stopTokens, SamplerConfig.DEFAULT);
    }

    @Override
    public int[] stopTokens() {
        return stopTokens.clone();
    }

    public boolean isStop(int token) {
        for (int s : stopTokens) {
            if (s == token) {
                return true;
            }
        }
        return false;
    }

    public GenerationOptions withMaxNewTokens(int n) {
        return new GenerationOptions(n, stopTokens, sampler);
    }

    public GenerationOptions withStopTokens(int... ids) {
        return new GenerationOptions(maxNewTokens, ids, sampler);
    }

    public GenerationOptions withSampler(SamplerConfig s) {
        return new GenerationOptions(maxNewTokens, stopTokens, s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationOptions g && g.maxNewTokens == maxNewTokens
                && Arrays.equals(g.stopTokens, stopTokens) && g.sampler.equals(sampler);
    }

    @Override
    public int hashCode() {
        return maxNewTokens * 31 + Arrays.hashCode(stopTokens) * 17 + sampler.hashCode();
    }

    @Override
    public String toString() {
        return "GenerationOptions[maxNewTokens=" + maxNewTokens + ", stopTokens=" + Arrays.toString(stopTokens)
                + ", sampler=" + sampler + "]";
    }
}
