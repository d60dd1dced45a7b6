package org.vlm4j.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The local model cache: {@code $VLM4J_HOME} (default {@code ~/.cache/vlm4j}), with one directory
 * per repository and revision, {@code models/{owner}/{name}/{revision}/}, holding the downloaded
 * checkpoint in {@code hf/} and the converted GGUF files next to it.
 */
public final class ModelCache {
    private final Path home;

    public ModelCache(Path home) {
        this.home = home;
    }

    /** The cache at {@code $VLM4J_HOME} or {@code ~/.cache/vlm4j}. */
    public static ModelCache fromEnvironment() {
        String h = System.getenv("VLM4J_HOME");
        return new ModelCache(h != null && !h.isBlank() ? Path.of(h) : Path.of(System.getProperty("user.home"), ".cache", "vlm4j"));
    }

    public Path home() {
        return home;
    }

    /** Directory of one repository revision. */
    public Path modelDir(String repo, String revision) {
        RepoId.check(repo);
        if (revision.isEmpty() || revision.contains("/") || revision.contains("\\") || revision.startsWith(".")) {
            throw new HubException("revision '" + revision + "' cannot be used as a cache directory name");
        }
        return home.resolve("models").resolve(repo).resolve(revision);
    }

    /** Directory of the downloaded checkpoint. */
    public Path hfDir(String repo, String revision) {
        return modelDir(repo, revision).resolve("hf");
    }

    /**
     * The converted pair in {@code dir}: the text GGUF of the preferred type (the first of
     * {@code textTypes} that exists, else any) and an mmproj (likewise); null if there is no text GGUF.
     */
    public static ResolvedModel find(Path dir, List<String> textTypes, List<String> visionTypes) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        List<Path> ggufs;
        try (Stream<Path> s = Files.list(dir)) {
            ggufs = s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        }
        Path text = pick(ggufs.stream().filter(p -> !p.getFileName().toString().startsWith("mmproj")).toList(), textTypes);
        Path mm = pick(ggufs.stream().filter(p -> p.getFileName().toString().startsWith("mmproj")).toList(), visionTypes);
        return text == null ? null : new ResolvedModel(text, mm);
    }

    private static Path pick(List<Path> files, List<String> types) {
        for (String t : types) {
            for (Path p : files) {
                if (p.getFileName().toString().endsWith("-" + t + ".gguf")) {
                    return p;
                }
            }
        }
        return files.isEmpty() ? null : files.get(0);
    }
}
