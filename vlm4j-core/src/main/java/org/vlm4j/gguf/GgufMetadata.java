package org.vlm4j.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The key/value metadata of a GGUF file, in file order, with typed accessors. Accessors for a
 * required key throw {@link GgufFormatException} naming the key when it is missing or has an
 * unexpected type.
 */
public final class GgufMetadata {
    private final Map<String, GgufValue> entries;
    private final String source;

    public GgufMetadata(Map<String, GgufValue> entries, String source) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        this.source = source;
    }

    /** All entries in file order. */
    public Map<String, GgufValue> entries() {
        return entries;
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public String getString(String key) {
        return require(key, String.class, "a string");
    }

    public String getString(String key, String defaultValue) {
        return entries.containsKey(key) ? getString(key) : defaultValue;
    }

    public long getLong(String key) {
        return require(key, Long.class, "an integer");
    }

    public long getLong(String key, long defaultValue) {
        return entries.containsKey(key) ? getLong(key) : defaultValue;
    }

    /** An integer value that must fit in an int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) {
            throw new GgufFormatException(source + ": metadata '" + key + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return entries.containsKey(key) ? getInt(key) : defaultValue;
    }

    /** A float or double value (integers are accepted too). */
    public double getDouble(String key) {
        GgufValue v = entries.get(key);
        if (v == null) {
            throw missing(key);
        }
        if (v.value() instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(key, v, "a number");
    }

    public double getDouble(String key, double defaultValue) {
        return entries.containsKey(key) ? getDouble(key) : defaultValue;
    }

    public float getFloat(String key, float defaultValue) {
        return (float) getDouble(key, defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return entries.containsKey(key) ? require(key, Boolean.class, "a bool") : defaultValue;
    }

    public GgufArray getArray(String key) {
        return require(key, GgufArray.class, "an array");
    }

    /** The array at {@code key}, or null when the key is absent. */
    public GgufArray getArrayOrNull(String key) {
        return entries.containsKey(key) ? getArray(key) : null;
    }

    private <T> T require(String key, Class<T> type, String what) {
        GgufValue v = entries.get(key);
        if (v == null) {
            throw missing(key);
        }
        if (!type.isInstance(v.value())) {
            throw wrongType(key, v, what);
        }
        return type.cast(v.value());
    }

    private GgufFormatException missing(String key) {
        return new GgufFormatException(source + ": required metadata key '" + key + "' is missing");
    }

    private GgufFormatException wrongType(String key, GgufValue v, String what) {
        return new GgufFormatException(source + ": metadata '" + key + "' is " + v.type() + ", expected " + what);
    }
}
