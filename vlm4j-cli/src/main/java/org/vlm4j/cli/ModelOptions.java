package org.vlm4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import org.vlm4j.hub.ModelPuller;
import org.vlm4j.hub.ModelResolver;
import org.vlm4j.hub.ResolvedModel;
import java.nio.file.Path;
import org.vlm4j.chat.LoadOptions;
import org.vlm4j.chat.VisionLanguageModel;
import org.vlm4j.tensor.WorkerPool;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The model files and load settings shared by {@code vlm4j run} and {@code vlm4j chat} (a picocli
 * mixin): the text GGUF, the optional vision GGUF, threads and the tile limit.
 */
public final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "TEXT.gguf", order = 1,
            description = "The language model GGUF (InternVL3.5's Qwen3 part, with its tokenizer).")
    Path model;

    @Option(names = "--mmproj", paramLabel = "VISION.gguf", order = 2,
            description = "The vision encoder GGUF (mmproj); needed to look at images.")
    Path mmproj;

    @Option(names = "--kv-type", paramLabel = "f16|f32", order = 52, defaultValue = "f16",
            description = "KV-cache storage: f16 (half the memory and bandwidth, as llama.cpp) or f32 (exact). Default: ${DEFAULT-VALUE}.")
    String kvType;

    @Option(names = "--yes", order = 60,
            description = "Without -m: download the default model (about 2 GB) without asking if it is not cached yet.")
    boolean yes;

    @Option(names = "--offline", order = 61, description = "Without -m: never download; use the cache only.")
    boolean offline;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", order = 50,
            description = "Compute threads. Default: 0 = one per available processor.")
    int threads;

    @Option(names = "--max-tiles", paramLabel = "N", order = 51,
            description = "At most N image tiles of 448x448 (1 = one stretched tile, fastest). Default: 0 = the model's (12).")
    int maxTiles;

    /** The text model file, or null when not given. */
    public Path model() {
        return model;
    }

    /** The vision file, or null. */
    public Path mmproj() {
        return mmproj;
    }

    /**
     * Warns on stderr when {@code threads} (0 = all processors) is more than the processors: the
     * engine's threads spin at the end of every parallel step, so extra threads only take turns on
     * the processors (measured on 2 processors: 24 instead of 34 tokens/s at 4 threads).
     */
    public static void warnIfOversubscribed(CommandLine cl, int threads) {
        int cpus = WorkerPool.defaultThreads();
        if (threads > cpus) {
            cl.getErr().printf("vlm4j: warning: %d threads on %d processor%s; more threads than processors is slower, not faster%n",
                    threads, cpus, cpus == 1 ? "" : "s");
            cl.getErr().flush();
        }
    }

    /**
     * The load settings, checked.
     *
     * @throws ParameterException if a number is out of range
     */
    public LoadOptions loadOptions(CommandLine cl) {
        if (threads < 0 || threads > WorkerPool.MAX_THREADS) {
            throw new ParameterException(cl, "--threads must be between 0 (all processors) and " + WorkerPool.MAX_THREADS + ", got " + threads);
        }
        if (maxTiles < 0 || maxTiles > LoadOptions.MAX_TILES) {
            throw new ParameterException(cl, "--max-tiles must be between 0 (from the model) and " + LoadOptions.MAX_TILES
                    + ", got " + maxTiles);
        }
        org.vlm4j.model.qwen3.KvCacheType kv = kvCacheType(cl, kvType);
        return LoadOptions.DEFAULTS.withThreads(threads).withMaxTiles(maxTiles).withKvCacheType(kv);
    }

    /** The {@code --kv-type} value {@code s} (f16 or f32, any case) as a type; a usage error otherwise. */
    public static org.vlm4j.model.qwen3.KvCacheType kvCacheType(CommandLine cl, String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> org.vlm4j.model.qwen3.KvCacheType.F32;
            case "f16" -> org.vlm4j.model.qwen3.KvCacheType.F16;
            default -> throw new ParameterException(cl, "--kv-type must be f16 or f32, got '" + s + "'");
        };
    }

    /**
     * Maps the files. {@code -m} may also name a folder of converted GGUFs or a Hugging Face repo id
     * pulled into the cache ({@code vlm4j pull}); then the mmproj found beside it is used unless
     * {@code --mmproj} is given. With no {@code -m} at all, the default model
     * ({@value org.vlm4j.hub.ModelPuller#DEFAULT_REPO}) is taken from the cache when it is there.
     * Errors name the file (missing, not GGUF, wrong kind, files that do not match).
     */
    public VisionLanguageModel load(CommandLine cl) throws IOException {
        Path text = model;
        Path vision = mmproj;
        if (text == null) {
            ResolvedModel r = defaultModel(cl);
            text = r.textGguf();
            vision = vision != null ? vision : r.mmprojGguf();
        } else {
            ResolvedModel r = resolve(text, vision);
            text = r.textGguf();
            vision = r.mmprojGguf();
        }
        LoadOptions options = loadOptions(cl);
        warnIfOversubscribed(cl, threads); // here, not in loadOptions: commands check those early and again here
        return VisionLanguageModel.load(text, vision, options);
    }

    /** The default model from the cache; downloads it first when allowed (--yes, or asked on a terminal). */
    private ResolvedModel defaultModel(CommandLine cl) throws IOException {
        String repo = ModelPuller.DEFAULT_REPO;
        try {
            return ModelResolver.resolve(repo);
        } catch (IOException | RuntimeException notCached) {
            String why = "no model given (-m TEXT.gguf) and the default model " + repo + " is not in the cache";
            if (offline) {
                throw new CliException(why + " (--offline); run 'vlm4j pull' when online, or give -m and --mmproj");
            }
            java.io.Console console = System.console();
            boolean ask = !yes && console != null && console.isTerminal();
            if (!yes && !ask) {
                throw new CliException(why + "; run 'vlm4j pull' to download and convert it (or add --yes), or give -m and --mmproj");
            }
            if (ask) {
                String answer = console.readLine("%s. Download it from the Hugging Face hub now (about 2 GB)? [y/N] ", why);
                if (answer == null || !answer.strip().toLowerCase(java.util.Locale.ROOT).startsWith("y")) {
                    throw new CliException(why + "; not downloading. Run 'vlm4j pull' or give -m and --mmproj");
                }
            }
            java.io.PrintWriter err = cl.getErr();
            org.vlm4j.cli.convert.ProgressBar bar = new org.vlm4j.cli.convert.ProgressBar(err, false);
            try {
                org.vlm4j.hub.ModelPuller puller = new org.vlm4j.hub.ModelPuller(org.vlm4j.hub.HubClient.fromEnvironment(),
                        org.vlm4j.hub.ModelCache.fromEnvironment());
                return puller.pull(repo, "main", org.vlm4j.convert.ConvertOptions.DEFAULTS
                        .withProgress((f, t, d, n) -> bar.update(f, d, n)), false, bar::update).model();
            } catch (org.vlm4j.hub.HubException | org.vlm4j.convert.ConvertException e) {
                throw new CliException(e.getMessage(), e);
            } finally {
                bar.end();
            }
        }
    }

    /**
     * {@code model} as given when it is a file; otherwise a folder of converted GGUFs or a pulled repo
     * id, resolved through the cache, whose mmproj is used unless {@code mmproj} is given.
     */
    public static ResolvedModel resolve(Path model, Path mmproj) throws IOException {
        if (Files.isRegularFile(model)) {
            return new ResolvedModel(model, mmproj);
        }
        ResolvedModel r = ModelResolver.resolve(model.toString());
        return new ResolvedModel(r.textGguf(), mmproj != null ? mmproj : r.mmprojGguf());
    }
}
