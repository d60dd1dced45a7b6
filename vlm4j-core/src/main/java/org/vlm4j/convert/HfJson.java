package org.vlm4j.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vlm4j.util.Json;
import org.vlm4j.util.JsonParseException;

/** Typed access to the JSON files of a Hugging Face model directory, with errors naming file and field. */
final class HfJson {
    private final Map<String, Object> map;
    private final String where;

    HfJson(Map<String, Object> map, String where) {
        this.map = map;
        this.where = where;
    }

    /** Reads {@code file} (which must hold a JSON object). */
    @SuppressWarnings("unchecked")
    static HfJson read(Path file) throws IOException {
        Object o;
        try {
            o = Json.parse(Files.readString(file), file.toString());
        } catch (JsonParseException e) {
            throw new ConvertException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(o instanceof Map)) {
            throw new ConvertException(file + ": expected a JSON object");
        }
        return new HfJson((Map<String, Object>) o, file.toString());
    }

    /** Reads {@code file} if it exists, else an empty object. */
    static HfJson readOptional(Path file) throws IOException {
        return Files.isRegularFile(file) ? read(file) : new HfJson(Map.of(), file.toString());
    }

    Map<String, Object> raw() {
        return map;
    }

    String where() {
        return where;
    }

    boolean has(String key) {
        return map.containsKey(key) && map.get(key) != null;
    }

    Object get(String key) {
        return map.get(key);
    }

    @SuppressWarnings("unchecked")
    HfJson object(String key) {
        Object o = map.get(key);
        if (!(o instanceof Map)) {
            throw new ConvertException(where + ": field '" + key + "' is missing or not an object");
        }
        return new HfJson((Map<String, Object>) o, where + " " + key);
    }

    HfJson objectOrNull(String key) {
        return map.get(key) instanceof Map ? object(key) : null;
    }

    long integer(String key) {
        Object o = map.get(key);
        if (o instanceof List<?> l && !l.isEmpty()) {
            o = l.get(0); // image_size / patch_size may be [h, w]
        }
        if (!(o instanceof Long v)) {
            throw new ConvertException(where + ": field '" + key + "' is missing or not an integer (" + o + ")");
        }
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new ConvertException(where + ": field '" + key + "' = " + v + " is out of range");
        }
        return v;
    }

    long integer(String key, long dflt) {
        return has(key) ? integer(key) : dflt;
    }

    double number(String key) {
        if (!(map.get(key) instanceof Number n)) {
            throw new ConvertException(where + ": field '" + key + "' is missing or not a number");
        }
        return n.doubleValue();
    }

    double number(String key, double dflt) {
        return has(key) ? number(key) : dflt;
    }

    String string(String key, String dflt) {
        return map.get(key) instanceof String s ? s : dflt;
    }

    boolean bool(String key, boolean dflt) {
        return map.get(key) instanceof Boolean b ? b : dflt;
    }

    String firstArchitecture() {
        return map.get("architectures") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String s ? s : "";
    }
}
