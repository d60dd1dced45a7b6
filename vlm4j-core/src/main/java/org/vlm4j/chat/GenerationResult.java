package org.vlm4j.chat;

import java.util.Arrays;

/**
 * The outcome of a {@link Generator} run.
 *
 * @param tokens the generated ids, without the end-of-generation token
 * @param stopReason why the run ended
 * @param stopToken the end-of-generation id that ended it ({@link StopReason#EOS}), else -1
 * @param promptTokens positions prefilled by this run (the new prompt plus pending tokens)
 * @param promptNanos time of that prefill
 * @param generateNanos time from the end of the prefill to the end of the run
 */
public record GenerationResult(int[] tokens, StopReason stopReason, int stopToken, int promptTokens,
        long promptNanos, long generateNanos) {

    public GenerationResult {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** Number of generated tokens. */
    public int generatedTokens() {
        return tokens.length;
    }

    public double promptMillis() {
        return promptNanos / 1e6;
    }

    public double generateMillis() {
        return generateNanos / 1e6;
    }

    /** Prefill speed, tokens per second (0 when nothing was prefilled). */
    public double promptTokensPerSecond() {
        return promptNanos > 0 ? promptTokens * 1e9 / promptNanos : 0;
    }

    /** Generation speed, tokens per second. */
    public double tokensPerSecond() {
        return generateNanos > 0 ? tokens.length * 1e9 / generateNanos : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationResult r && Arrays.equals(r.tokens, tokens) && r.stopReason == stopReason
                && r.stopToken == stopToken && r.promptTokens == promptTokens && r.promptNanos == promptNanos
                && r.generateNanos == generateNanos;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens) * 31 + stopReason.hashCode();
    }

    @Override
    public String toString() {
        return String.format("GenerationResult[%d tokens, %s%s, prompt %d tok in %.1f ms, generated %d tok in %.1f ms (%.2f tok/s)]",
                tokens.length, stopReason, stopToken >= 0 ? " (" + stopToken + ")" : "", promptTokens, promptMillis(),
                tokens.length, generateMillis(), tokensPerSecond());
    }
}
