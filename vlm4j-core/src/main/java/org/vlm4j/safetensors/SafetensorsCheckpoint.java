package org.vlm4j.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.vlm4j.util.Json;
import org.vlm4j.util.JsonParseException;

/**
 * All weights of a Hugging Face checkpoint directory, as one name-to-tensor map over one or more
 * mapped safetensors files.
 *
 * <p>A sharded checkpoint is described by {@code model.safetensors.index.json}
 * ({@code weight_map}: tensor name to shard file); every listed tensor must be in its shard and
 * every shard tensor must be listed, so a missing or stale shard is reported instead of silently
 * producing a model with holes. Without an index, {@code model.safetensors} is used.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    /** Name of the shard index file. */
    public static final String INDEX = "model.safetensors.index.json";
    /** Name of a single-file checkpoint. */
    public static final String SINGLE = "model.safetensors";

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsTensor> tensors) {
        this.files = files;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** The weight files a checkpoint directory needs (the index's shards, or {@code model.safetensors}). */
    public static List<String> weightFiles(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return new ArrayList<>(new TreeSet<>(readIndex(index).values()));
        }
        if (Files.isRegularFile(dir.resolve(SINGLE))) {
            return List.of(SINGLE);
        }
        throw new IOException(dir + ": no " + SINGLE + " and no " + INDEX + " (not a Hugging Face safetensors checkpoint?)");
    }

    /** Opens the checkpoint in {@code dir}. */
    public static SafetensorsCheckpoint open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            weightFiles(dir); // throws the clear message when nothing is there
            SafetensorsFile f = SafetensorsFile.open(dir.resolve(SINGLE));
            return new SafetensorsCheckpoint(List.of(f), new LinkedHashMap<>(f.tensors()));
        }
        Map<String, String> map = readIndex(index);
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsTensor> all = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
            for (String shard : new TreeSet<>(map.values())) {
                if (shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                    throw new SafetensorsFormatException(index + ": weight_map names shard '" + shard + "' outside the directory");
                }
                SafetensorsFile f = SafetensorsFile.open(dir.resolve(shard));
                files.add(f);
                byShard.put(shard, f);
            }
            for (Map.Entry<String, String> e : map.entrySet()) {
                SafetensorsTensor t = byShard.get(e.getValue()).tensor(e.getKey());
                if (t == null) {
                    throw new SafetensorsFormatException(index + ": weight_map puts '" + e.getKey() + "' in " + e.getValue()
                            + ", which has no such tensor");
                }
                all.put(e.getKey(), t);
            }
            for (Map.Entry<String, SafetensorsFile> e : byShard.entrySet()) {
                for (String name : e.getValue().tensors().keySet()) {
                    if (!e.getKey().equals(map.get(name))) {
                        throw new SafetensorsFormatException(index + ": tensor '" + name + "' of " + e.getKey()
                                + " is not in weight_map (or mapped to another shard)");
                    }
                }
            }
            return new SafetensorsCheckpoint(files, all);
        } catch (RuntimeException | IOException ex) {
            files.forEach(SafetensorsFile::close);
            throw ex;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> readIndex(Path index) throws IOException {
        Object root;
        try {
            root = Json.parse(Files.readString(index), index.toString());
        } catch (JsonParseException e) {
            throw new SafetensorsFormatException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("weight_map") instanceof Map<?, ?> wm)) {
            throw new SafetensorsFormatException(index + ": field 'weight_map' is missing or not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : wm.entrySet()) {
            if (!(e.getValue() instanceof String s) || s.isEmpty()) {
                throw new SafetensorsFormatException(index + ": weight_map['" + e.getKey() + "'] is not a file name");
            }
            out.put((String) e.getKey(), s);
        }
        if (out.isEmpty()) {
            throw new SafetensorsFormatException(index + ": weight_map is empty");
        }
        return out;
    }

    /** Every tensor by name. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    /** The tensor named {@code name}, or null. */
    public SafetensorsTensor tensor(String name) {
        return tensors.get(name);
    }

    /** Closes every shard mapping. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
