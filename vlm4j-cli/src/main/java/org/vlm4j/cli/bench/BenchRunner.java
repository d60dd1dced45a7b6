package org.vlm4j.cli.bench;

import java.io.IOException;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.vlm4j.chat.LoadOptions;
import org.vlm4j.chat.VisionLanguageModel;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.model.ModelInput;
import org.vlm4j.model.internvit.InternVitConfig;
import org.vlm4j.model.internvit.InternVitEncoder;
import org.vlm4j.model.qwen3.Qwen3Model;
import org.vlm4j.model.qwen3.Qwen3State;

/**
 * Runs the benchmark tests in the manner of llama-bench: every test gets one untimed warm-up run
 * (which also lets the JIT compile the kernels) and then {@code repetitions} timed runs.
 *
 * <ul>
 *   <li><b>load</b>: {@link VisionLanguageModel#load} of both files (open, map, build the models,
 *       the tokenizer and the worker pool), measured in-process with a warm page cache (the warm-up
 *       load has read the files);</li>
 *   <li><b>pp</b>: {@code p} random ordinary token ids appended at once to an emptied state (logits
 *       of the last position only, like llama-bench);</li>
 *   <li><b>tg</b>: an emptied state gets a 1-token prompt (untimed), then {@code n} single-token
 *       decode steps are timed;</li>
 *   <li>with a depth {@code d}, both start from a state that already holds {@code d} random
 *       positions, appended untimed after emptying it (llama-bench's {@code -d});</li>
 *   <li><b>vision</b>: one tile of random normalised pixels through the ViT and the projector.</li>
 * </ul>
 * The text tests share one state of {@link BenchSettings#effectiveContext()} positions, created
 * once and emptied before every run, as llama-bench clears its KV cache.
 */
public final class BenchRunner {
    private final BenchSettings s;
    private final Consumer<String> progress;

    /** @param progress receives one line before each run (may ignore it) */
    public BenchRunner(BenchSettings settings, Consumer<String> progress) {
        this.s = settings;
        this.progress = progress;
    }

    public BenchResult run() throws IOException {
        ModelFacts textFacts = facts(s.model());
        ModelFacts visionFacts = s.mmproj() == null ? null : facts(s.mmproj());
        LoadOptions options = LoadOptions.DEFAULTS.withThreads(s.threads()).withKvCacheType(s.kvCacheType());

        int r = s.repetitions();
        double[] loadMs = new double[r];
        VisionLanguageModel vlm = null;
        try {
            for (int i = -1; i < r; i++) {
                if (vlm != null) {
                    vlm.close();
                    vlm = null;
                }
                report("load", i);
                long t0 = System.nanoTime();
                vlm = VisionLanguageModel.load(s.model(), s.mmproj(), options);
                long t1 = System.nanoTime();
                if (i >= 0) {
                    loadMs[i] = (t1 - t0) / 1e6;
                }
            }
            return measure(vlm, textFacts, visionFacts, new Samples(loadMs));
        } finally {
            if (vlm != null) {
                vlm.close();
            }
        }
    }

    private BenchResult measure(VisionLanguageModel vlm, ModelFacts textFacts, ModelFacts visionFacts, Samples load) {
        Qwen3Model text = vlm.textModel();
        RandomInputs rnd = new RandomInputs(vlm.tokenizer(), text.vocabSize(), s.seed());
        int ctx = s.effectiveContext();
        Samples pp = null;
        Samples tg = null;
        long kvCommitted = 0;
        if (s.promptTokens() > 0 || s.genTokens() > 0) {
            Qwen3State state = text.newState(ctx, Qwen3State.DEFAULT_BATCH, s.kvCacheType(), vlm.pool());
            ModelInput history = s.depth() > 0 ? ModelInput.tokens(rnd.tokens(s.depth())) : null;
            if (s.promptTokens() > 0) {
                pp = prefill(state, history, rnd.tokens(s.promptTokens()));
            }
            if (s.genTokens() > 0) {
                tg = decode(state, history, rnd.tokens(1)[0], rnd.tokens(s.genTokens()));
            }
            kvCommitted = state.kvCacheCommittedBytes();
            state.close();
        }
        Samples vision = vlm.hasVision() ? vision(vlm, rnd) : null;
        int tile = vlm.hasVision() ? vlm.visionModel().config().imageSize() : 0;
        OptionalLong peak = ProcessMemory.peakRssBytes();
        return new BenchResult(textFacts, visionFacts, s, ctx, kvCommitted, load, vlm.textLoadMillis(), vlm.visionLoadMillis(), pp, tg,
                vision, tile, peak, Platform.preferredVectorBits(), Platform.kernelDescription(vlm.pool()), Platform.jvm(),
                Platform.os());
    }

    /** Empties the state and fills it with {@code history} (untimed), if any. */
    private static void start(Qwen3State state, ModelInput history) {
        state.reset();
        if (history != null) {
            state.append(history);
        }
    }

    private Samples prefill(Qwen3State state, ModelInput history, int[] ids) {
        ModelInput input = ModelInput.tokens(ids);
        double[] sec = new double[s.repetitions()];
        for (int i = -1; i < sec.length; i++) {
            report("pp" + ids.length + s.depthLabel(), i);
            start(state, history);
            long t0 = System.nanoTime();
            state.append(input);
            long t1 = System.nanoTime();
            if (i >= 0) {
                sec[i] = (t1 - t0) / 1e9;
            }
        }
        return Samples.ratesFromSeconds(ids.length, sec);
    }

    private Samples decode(Qwen3State state, ModelInput history, int first, int[] ids) {
        double[] sec = new double[s.repetitions()];
        for (int i = -1; i < sec.length; i++) {
            report("tg" + ids.length + s.depthLabel(), i);
            start(state, history);
            state.decode(first);
            long t0 = System.nanoTime();
            for (int id : ids) {
                state.decode(id);
            }
            long t1 = System.nanoTime();
            if (i >= 0) {
                sec[i] = (t1 - t0) / 1e9;
            }
        }
        return Samples.ratesFromSeconds(ids.length, sec);
    }

    private Samples vision(VisionLanguageModel vlm, RandomInputs rnd) {
        InternVitEncoder encoder = vlm.visionModel().newEncoder(vlm.pool());
        InternVitConfig c = encoder.config();
        float[] pixels = rnd.tile(c);
        float[] out = new float[c.tokensPerTile() * c.projectionDim()];
        double[] ms = new double[s.repetitions()];
        for (int i = -1; i < ms.length; i++) {
            report("vision tile " + c.imageSize() + "px", i);
            long t0 = System.nanoTime();
            encoder.encodeTile(pixels, 0, out, 0);
            long t1 = System.nanoTime();
            if (i >= 0) {
                ms[i] = (t1 - t0) / 1e6;
            }
        }
        return new Samples(ms);
    }

    private void report(String test, int rep) {
        progress.accept(test + (rep < 0 ? ": warm-up" : ": run " + (rep + 1) + "/" + s.repetitions()));
    }

    private static ModelFacts facts(java.nio.file.Path p) throws IOException {
        try (GgufFile f = GgufFile.open(p)) {
            return ModelFacts.of(f);
        }
    }
}
