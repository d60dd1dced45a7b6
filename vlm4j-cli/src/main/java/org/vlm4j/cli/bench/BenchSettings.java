package org.vlm4j.cli.bench;

import java.nio.file.Path;
import org.vlm4j.model.qwen3.KvCacheType;

/**
 * The parameters of one benchmark run.
 *
 * @param model the text GGUF
 * @param mmproj the vision GGUF, or null to skip the vision test
 * @param promptTokens tokens prefilled at once in the pp test, 0 to skip it
 * @param genTokens single-token decode steps in the tg test, 0 to skip it
 * @param repetitions timed runs per test (after one untimed warm-up run)
 * @param threads worker threads, counting the calling thread
 * @param contextSize KV-cache positions of the states, 0 = just what each test needs
 * @param seed seed of the random token ids and pixels
 * @param kvCacheType element type of the text state's KV cache
 * @param depth positions already in the KV cache (filled untimed) when the pp and tg tests start,
 *     as llama-bench's {@code -d}
 */
public record BenchSettings(Path model, Path mmproj, int promptTokens, int genTokens, int repetitions, int threads,
        int contextSize, long seed, KvCacheType kvCacheType, int depth) {

    public BenchSettings {
        java.util.Objects.requireNonNull(model, "model");
        java.util.Objects.requireNonNull(kvCacheType, "kvCacheType");
        if (promptTokens < 0 || genTokens < 0 || repetitions < 1 || threads < 1 || contextSize < 0 || depth < 0) {
            throw new IllegalArgumentException("invalid benchmark settings " + promptTokens + "/" + genTokens + "/"
                    + repetitions + "/" + threads + "/" + contextSize + "/" + depth);
        }
    }

    /** Settings with the default KV cache type (F16, as llama-bench's default). */
    public BenchSettings(Path model, Path mmproj, int promptTokens, int genTokens, int repetitions, int threads,
            int contextSize, long seed) {
        this(model, mmproj, promptTokens, genTokens, repetitions, threads, contextSize, seed, KvCacheType.F16, 0);
    }

    /** Settings at depth 0. */
    public BenchSettings(Path model, Path mmproj, int promptTokens, int genTokens, int repetitions, int threads,
            int contextSize, long seed, KvCacheType kvCacheType) {
        this(model, mmproj, promptTokens, genTokens, repetitions, threads, contextSize, seed, kvCacheType, 0);
    }

    /** KV positions each state needs: {@code -c} if given, else the depth plus room for the larger test. */
    public int effectiveContext() {
        int need = depth + Math.max(Math.max(promptTokens, genTokens + 1), 1);
        return contextSize > 0 ? contextSize : need;
    }

    /** The test's label suffix, as llama-bench's: {@code " @ d2048"}, or empty at depth 0. */
    public String depthLabel() {
        return depth > 0 ? " @ d" + depth : "";
    }
}
