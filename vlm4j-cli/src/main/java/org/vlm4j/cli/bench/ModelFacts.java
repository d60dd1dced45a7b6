package org.vlm4j.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;

/**
 * What a benchmark row says about one model file: architecture, total tensor bytes ("size", as
 * llama-bench counts it), parameter count and the bytes held by each weight type.
 *
 * @param bytesByType tensor bytes per GGML type, largest first
 * @param decodeBytes weight bytes one decoded token reads: every tensor except the token
 *     embedding, of which only the token's row is read, unless the file has no {@code output.weight}
 *     and the embedding doubles as the output head (then all of it)
 */
public record ModelFacts(Path path, String architecture, long tensorBytes, long parameters,
        Map<GgmlType, Long> bytesByType, long decodeBytes) {

    public ModelFacts {
        bytesByType = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(bytesByType));
    }

    /** Reads the facts from an open file (metadata and tensor table only). */
    public static ModelFacts of(GgufFile f) {
        long params = 0;
        long bytes = 0;
        Map<GgmlType, Long> byType = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : f.tensors()) {
            params += t.elementCount();
            bytes += t.byteSize();
            byType.merge(t.type(), t.byteSize(), Long::sum);
        }
        List<Map.Entry<GgmlType, Long>> entries = new ArrayList<>(byType.entrySet());
        entries.sort(Map.Entry.<GgmlType, Long>comparingByValue(Comparator.reverseOrder()));
        Map<GgmlType, Long> ordered = new LinkedHashMap<>();
        for (Map.Entry<GgmlType, Long> e : entries) {
            ordered.put(e.getKey(), e.getValue());
        }
        long decode = bytes;
        if (f.hasTensor("token_embd.weight") && f.hasTensor("output.weight")) {
            GgufTensorInfo e = f.tensor("token_embd.weight");
            decode -= e.byteSize() - e.type().byteSize(e.dim(0)); // all but one row of the embedding
        }
        return new ModelFacts(f.path(), f.architecture().isEmpty() ? "?" : f.architecture(), bytes, params, ordered, decode);
    }

    /** The type holding most bytes (what a file is usually called: "Q8_0"). */
    public String mainType() {
        return bytesByType.isEmpty() ? "-" : bytesByType.keySet().iterator().next().name();
    }

    /** All types, largest share first: {@code "Q8_0+F32"}. */
    public String typeList() {
        StringBuilder sb = new StringBuilder();
        for (GgmlType t : bytesByType.keySet()) {
            if (!sb.isEmpty()) {
                sb.append('+');
            }
            sb.append(t.name());
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }
}
