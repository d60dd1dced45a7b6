package org.vlm4j.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns what a user typed where a model is expected into GGUF files: an existing {@code .gguf}
 * (its mmproj is the single {@code mmproj*.gguf} beside it, if any), a directory holding a
 * converted pair, or a Hugging Face repository id ({@code owner/name} or {@code owner/name@rev})
 * that was pulled into the cache. Never touches the network; a repo that is not cached is an error
 * telling the user to run {@code vlm4j pull}.
 */
public final class ModelResolver {
    private static final List<String> TEXT_PREF = List.of("q8_0", "q4_0", "f16", "bf16", "f32");
    private static final List<String> VISION_PREF = List.of("f16", "f32");

    private final ModelCache cache;

    public ModelResolver(ModelCache cache) {
        this.cache = cache;
    }

    /** A resolver over {@link ModelCache#fromEnvironment()}. */
    public static ModelResolver fromEnvironment() {
        return new ModelResolver(ModelCache.fromEnvironment());
    }

    /** Resolves with the environment's cache. */
    public static ResolvedModel resolve(String pathOrRepo) throws IOException {
        return fromEnvironment().resolveModel(pathOrRepo);
    }

    public ResolvedModel resolveModel(String pathOrRepo) throws IOException {
        if (pathOrRepo.isBlank()) {
            throw new HubException("the model path is empty (an unset variable?): give a .gguf file, a folder or a repo id");
        }
        Path p = Path.of(pathOrRepo);
        if (Files.isRegularFile(p)) {
            return new ResolvedModel(p, siblingMmproj(p));
        }
        if (Files.isDirectory(p)) {
            ResolvedModel m = ModelCache.find(p, TEXT_PREF, VISION_PREF);
            if (m == null) {
                throw new HubException(p + ": no .gguf model in this directory (convert a Hugging Face checkpoint with 'vlm4j convert')");
            }
            return m;
        }
        if (RepoId.looksLikeRepo(pathOrRepo)) {
            int at = pathOrRepo.indexOf('@');
            String repo = at < 0 ? pathOrRepo : pathOrRepo.substring(0, at);
            String rev = at < 0 ? "main" : pathOrRepo.substring(at + 1);
            ResolvedModel m = ModelCache.find(cache.modelDir(repo, rev), TEXT_PREF, VISION_PREF);
            if (m == null) {
                throw new HubException(pathOrRepo + ": no such file, and the repository is not in the cache (" + cache.home()
                        + "); run 'vlm4j pull " + pathOrRepo.replace("@", " --revision ") + "' first");
            }
            return m;
        }
        if (Files.exists(p)) {
            throw new HubException(p + ": not a regular file or directory (a device or a pipe?); give a .gguf file");
        }
        throw new java.nio.file.NoSuchFileException(pathOrRepo, null, "file not found");
    }

    private static Path siblingMmproj(Path text) throws IOException {
        if (text.getFileName().toString().startsWith("mmproj")) {
            return null;
        }
        Path dir = text.toAbsolutePath().getParent();
        try (var s = Files.list(dir)) {
            List<Path> mm = s.filter(q -> q.getFileName().toString().startsWith("mmproj") && q.getFileName().toString().endsWith(".gguf"))
                    .sorted().toList();
            return mm.size() == 1 ? mm.get(0) : null;
        }
    }
}
