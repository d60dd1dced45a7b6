package org.vlm4j.chat;

/**
 * One answer of a {@link Conversation}.
 *
 * @param text the generated text (end-of-turn token not included)
 * @param tokens the generated token ids
 * @param stopReason why generation ended
 * @param promptTokens positions computed before generating (the new message, images included)
 * @param promptMillis time to compute them
 * @param generateMillis time spent generating
 * @param imageTiles tiles of the images encoded for this message (0 when none or cached)
 * @param visionMillis time spent encoding those images
 * @param droppedTurns earlier turns forgotten to make room ({@link ContextPolicy#DROP_OLDEST})
 */
public record Answer(String text, int[] tokens, StopReason stopReason, int promptTokens, double promptMillis,
        double generateMillis, int imageTiles, double visionMillis, int droppedTurns) {

    public Answer {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    public int generatedTokens() {
        return tokens.length;
    }

    /** Prefill speed in tokens per second (0 when nothing was computed). */
    public double promptTokensPerSecond() {
        return promptMillis > 0 ? promptTokens * 1000.0 / promptMillis : 0;
    }

    /** Decode speed in tokens per second (0 when nothing was generated). */
    public double tokensPerSecond() {
        return generateMillis > 0 ? tokens.length * 1000.0 / generateMillis : 0;
    }
}
