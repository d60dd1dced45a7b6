package org.vlm4j.chat;

/**
 * Generation settings of one answer.
 *
 * @param maxNewTokens cap on generated tokens
 * @param sampler next-token sampling
 * @param ignoreEos keep generating past end-of-turn tokens until {@code maxNewTokens} (for
 *     comparisons with reference outputs)
 */
public record AskOptions(int maxNewTokens, SamplerConfig sampler, boolean ignoreEos) {
    /** 1024 new tokens, the original app's sampling (top-k 1, repetition penalty 1.1 over 64). */
    public static final AskOptions DEFAULTS = new AskOptions(GenerationOptions.DEFAULT_MAX_NEW_TOKENS, SamplerConfig.DEFAULT, false);

    public AskOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        java.util.Objects.requireNonNull(sampler, "sampler");
    }

    public AskOptions withMaxNewTokens(int n) {
        return new AskOptions(n, sampler, ignoreEos);
    }

    public AskOptions withSampler(SamplerConfig s) {
        return new AskOptions(maxNewTokens, s, ignoreEos);
    }

    public AskOptions withIgnoreEos(boolean b) {
        return new AskOptions(maxNewTokens, sampler, b);
    }
}
