package org.vlm4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.vlm4j.chat.SamplerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The sampling flags shared by {@code vlm4j run} and {@code vlm4j chat} (a picocli mixin), turned
 * into one {@link SamplerConfig}. A flag that is not given keeps the value of
 * {@link SamplerConfig#DEFAULT}, the original app's settings: top-k 1 (deterministic) and a
 * repetition penalty of 1.1 over the last 64 tokens.
 */
public final class SamplingOptions {
    private static final SamplerConfig D = SamplerConfig.DEFAULT;

    @Option(names = "--temp", paramLabel = "T", order = 100,
            description = "Temperature; 0 = greedy (plain argmax). Default: 1 (with top-k 1 the answer is deterministic anyway).")
    Float temperature;

    @Option(names = "--top-k", paramLabel = "K", order = 101,
            description = "Sample among the K most likely tokens; 0 = off. Default: 1, as in the original app (deterministic).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", order = 102,
            description = "Nucleus sampling: keep the most likely tokens up to probability P, in (0, 1]. Default: 1 (off).")
    Float topP;

    @Option(names = "--min-p", paramLabel = "P", order = 103,
            description = "Drop tokens less likely than P times the most likely one, in [0, 1]. Default: 0 (off).")
    Float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", order = 104,
            description = "Penalise tokens seen in the last --repeat-last-n positions; 1 = off. Default: 1.1.")
    Float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", order = 105,
            description = "How many recent positions the repetition penalty looks at. Default: 64.")
    Integer repeatLastN;

    @Option(names = "--seed", paramLabel = "S", order = 106,
            description = "Random seed for sampling (same seed, same answer). Default: a new one each time.")
    Long seed;

    /**
     * The sampler settings, checked.
     *
     * @throws ParameterException (a usage error, exit status 2) if a value is out of range
     */
    public SamplerConfig toConfig(CommandLine cl) {
        try {
            if (seed != null && seed == SamplerConfig.RANDOM_SEED) {
                throw new IllegalArgumentException("--seed " + seed + " is reserved for 'random'; pick another seed");
            }
            if (topK != null && topK < 0) {
                throw new IllegalArgumentException("--top-k must be >= 0 (0 = off), got " + topK);
            }
            if (temperature != null && (temperature < 0 || temperature.isInfinite())) {
                throw new IllegalArgumentException("--temp must be a number >= 0 (0 = greedy), got " + temperature);
            }
            return new SamplerConfig(
                    temperature != null ? temperature : D.temperature(),
                    topK != null ? topK : D.topK(),
                    topP != null ? topP : D.topP(),
                    minP != null ? minP : D.minP(),
                    repeatPenalty != null ? repeatPenalty : D.repetitionPenalty(),
                    repeatLastN != null ? repeatLastN : D.repetitionLastN(),
                    seed != null ? seed : D.seed());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, "invalid sampling option: " + e.getMessage());
        }
    }

    /** Hints about flag combinations that do not do what they seem to (shown on stderr). */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        boolean wantsSampling = temperature != null && temperature > 0 || topP != null || minP != null || seed != null;
        if (wantsSampling && topK == null && D.topK() == 1) {
            out.add("note: top-k is 1 (the default, as in the original app), so the answer is deterministic;"
                    + " add e.g. --top-k 40 to sample");
        }
        return out;
    }
}
