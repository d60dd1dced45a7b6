package org.vlm4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import org.vlm4j.hub.ModelPuller;
import org.vlm4j.hub.ModelResolver;
import org.vlm4j.hub.ResolvedModel;
import java.nio.file.Path;
import org.vlm4j.chat.LoadOptions;
import org.vlm4j.chat.VisionLanguageModel;
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
     * The load settings, checked.
     *
     * @throws ParameterException if a number is out of range
     */
    public LoadOptions loadOptions(CommandLine cl) {
        if (threads < 0) {
            throw new ParameterException(cl, "--threads must be >= 0 (0 = all processors), got " + threads);
        }
        if (maxTiles < 0) {
            throw new ParameterException(cl, "--max-tiles must be >= 0 (0 = from the model), got " + maxTiles);
        }
        return LoadOptions.DEFAULTS.withThreads(threads).withMaxTiles(maxTiles);
    }

    /** Checks that a text model was given (the positional chat form fills it in before). */
    public void requireModel(CommandLine cl) {
        if (model == null) {
            throw new ParameterException(cl, "missing the language model: give -m TEXT.gguf");
        }
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
            ResolvedModel r;
            try {
                r = ModelResolver.resolve(ModelPuller.DEFAULT_REPO);
            } catch (IOException | RuntimeException e) {
                throw new CliException("no model given (-m TEXT.gguf) and the default model " + ModelPuller.DEFAULT_REPO
                        + " is not in the cache; run 'vlm4j pull' to download and convert it, or give -m and --mmproj");
            }
            text = r.textGguf();
            vision = vision != null ? vision : r.mmprojGguf();
        } else if (!Files.isRegularFile(text)) {
            ResolvedModel r = ModelResolver.resolve(text.toString());
            text = r.textGguf();
            vision = vision != null ? vision : r.mmprojGguf();
        }
        return VisionLanguageModel.load(text, vision, loadOptions(cl));
    }
}
