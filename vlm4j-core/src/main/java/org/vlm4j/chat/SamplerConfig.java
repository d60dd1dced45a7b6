package org.vlm4j.chat;

/**
 * Settings of the next-token {@link Sampler}.
 *
 * <p>The steps run in the order of Hugging Face {@code generate}: repetition penalty, temperature,
 * top-k, top-p, min-p, then a weighted random draw. {@code temperature <= 0} or {@code topK == 1}
 * make sampling deterministic (argmax of the penalised logits, ties to the lowest id).
 *
 * @param temperature logits are divided by it; 0 (or below) means greedy
 * @param topK keep the k most likely tokens; 0 (or below) disables it
 * @param topP keep the smallest set of most likely tokens whose probability reaches {@code topP};
 *     1 disables it
 * @param minP drop tokens whose probability is below {@code minP} times the top probability; 0
 *     disables it
 * @param repetitionPenalty divide positive (multiply negative) logits of tokens seen in the last
 *     {@code repetitionLastN} positions by this; 1 disables it
 * @param repetitionLastN how many of the latest positions (prompt included) the penalty looks at
 * @param seed random seed; {@link #RANDOM_SEED} picks a fresh one for every sampler
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP, float repetitionPenalty,
        int repetitionLastN, long seed) {

    /** Seed value meaning "seed from entropy". */
    public static final long RANDOM_SEED = -1L;

    /**
     * The defaults of the original InternVL demo app: top-k 1 (deterministic), repetition penalty 1.1
     * over the last 64 tokens; temperature 1, top-p and min-p off.
     */
    public static final SamplerConfig DEFAULT = new SamplerConfig(1.0f, 1, 1.0f, 0.0f, 1.1f, 64, RANDOM_SEED);

    /** Plain argmax, no penalty: what the reference goldens use. */
    public static final SamplerConfig GREEDY = new SamplerConfig(0.0f, 0, 1.0f, 0.0f, 1.0f, 64, RANDOM_SEED);

    public SamplerConfig {
        if (Float.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature is NaN");
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p " + topP + " is outside (0, 1]");
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw new IllegalArgumentException("min-p " + minP + " is outside [0, 1]");
        }
        if (!(repetitionPenalty > 0f) || Float.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty " + repetitionPenalty + " must be a positive number");
        }
        if (repetitionLastN < 0) {
            throw new IllegalArgumentException("repetition window " + repetitionLastN + " < 0");
        }
    }

    /** Whether sampling is deterministic (argmax). */
    public boolean isGreedy() {
        return temperature <= 0f || topK == 1;
    }

    public SamplerConfig withTemperature(float t) {
        return new SamplerConfig(t, topK, topP, minP, repetitionPenalty, repetitionLastN, seed);
    }

    public SamplerConfig withTopK(int k) {
        return new SamplerConfig(temperature, k, topP, minP, repetitionPenalty, repetitionLastN, seed);
    }

    public SamplerConfig withTopP(float p) {
        return new SamplerConfig(temperature, topK, p, minP, repetitionPenalty, repetitionLastN, seed);
    }

    public SamplerConfig withMinP(float p) {
        return new SamplerConfig(temperature, topK, topP, p, repetitionPenalty, repetitionLastN, seed);
    }

    public SamplerConfig withRepetitionPenalty(float penalty, int lastN) {
        return new SamplerConfig(temperature, topK, topP, minP, penalty, lastN, seed);
    }

    public SamplerConfig withSeed(long s) {
        return new SamplerConfig(temperature, topK, topP, minP, repetitionPenalty, repetitionLastN, s);
    }
}
