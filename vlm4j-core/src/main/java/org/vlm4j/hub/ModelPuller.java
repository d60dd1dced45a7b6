package org.vlm4j.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.vlm4j.convert.ConvertOptions;
import org.vlm4j.convert.HfToGguf;

/**
 * {@code vlm4j pull}: downloads the files an InternVL checkpoint needs from the hub into the cache
 * and converts them to GGUF. Idempotent: when the requested GGUF pair is already in the cache
 * nothing is fetched (no network at all); partial downloads resume.
 */
public final class ModelPuller {
    /** The model pulled when none is named. */
    public static final String DEFAULT_REPO = "OpenGVLab/InternVL3_5-1B";
    private static final Set<String> SIDE_FILES = Set.of("config.json", "generation_config.json", "preprocessor_config.json",
            "processor_config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "vocab.json", "merges.txt",
            "added_tokens.json", "special_tokens_map.json", "model.safetensors.index.json");

    /** What happened: the files, and how many bytes were downloaded (0 for a cache hit). */
    public record Result(ResolvedModel model, long bytesDownloaded, boolean converted) {}

    private final HubClient hub;
    private final ModelCache cache;

    public ModelPuller(HubClient hub, ModelCache cache) {
        this.hub = hub;
        this.cache = cache;
    }

    /** The files of a listing that conversion needs (top-level config, tokenizer, safetensors). */
    public static List<String> neededFiles(List<String> siblings) {
        List<String> out = new ArrayList<>();
        for (String f : siblings) {
            if (!f.contains("/") && (SIDE_FILES.contains(f) || f.endsWith(".safetensors"))) {
                out.add(f);
            }
        }
        return out;
    }

    public Result pull(String repo, String revision, ConvertOptions options, boolean offline, DownloadProgress progress) throws IOException {
        Path dir = cache.modelDir(repo, revision);
        DownloadProgress dp = progress == null ? DownloadProgress.NONE : progress;
        String name = repo.substring(repo.indexOf('/') + 1);
        ConvertOptions o = options.name() == null ? options.withName(name) : options;
        HfToGguf.Result files = HfToGguf.outputFiles(dir, o.name(), o);
        if (Files.isRegularFile(files.textGguf()) && Files.isRegularFile(files.mmprojGguf())) {
            return new Result(new ResolvedModel(files.textGguf(), files.mmprojGguf()), 0, false);
        }
        Path hf = cache.hfDir(repo, revision);
        long downloaded = 0;
        if (offline) {
            if (!Files.isRegularFile(hf.resolve("config.json"))) {
                throw new HubException(repo + "@" + revision + " is not in the cache (" + dir + ") and --offline forbids downloading");
            }
        } else {
            List<String> needed = neededFiles(hub.listFiles(repo, revision));
            if (!needed.contains("config.json") || needed.stream().noneMatch(f -> f.endsWith(".safetensors"))) {
                throw new HubException(repo + "@" + revision + " has no config.json or no .safetensors weights; is it a transformers checkpoint?");
            }
            for (String f : needed) {
                Path target = hf.resolve(f);
                if (Files.isRegularFile(target)) {
                    continue;
                }
                downloaded += hub.download(repo, revision, f, target, dp);
            }
        }
        HfToGguf.Result r = HfToGguf.convert(hf, dir, o);
        return new Result(new ResolvedModel(r.textGguf(), r.mmprojGguf()), downloaded, true);
    }
}
