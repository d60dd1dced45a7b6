package org.vlm4j.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vlm4j.util.Json;
import org.vlm4j.util.JsonParseException;

/**
 * A memory-mapped safetensors file (the Hugging Face weight format): an 8-byte little-endian header
 * length, a JSON header mapping tensor names to dtype, shape and byte range, then the raw data.
 *
 * <p>The file is mapped once with FFM; tensors are zero-copy slices, so a multi-gigabyte checkpoint
 * costs no heap. Every header field is validated before any slice is made (length inside the file
 * and below {@value #MAX_HEADER_BYTES} bytes, valid UTF-8 JSON object, known dtype, non-negative
 * shape, {@code data_offsets} inside the data section, byte count equal to shape times dtype size,
 * no two tensors overlapping), and a failure names the file and the field.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private final Path path;
    private final Arena arena;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Maps and validates a safetensors file.
     *
     * @throws SafetensorsFormatException if the header is malformed
     * @throws IOException if the file cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "file not found");
        }
        if (Files.isDirectory(path)) {
            throw new IOException(path + ": is a directory, expected a .safetensors file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return build(path, arena, seg, path.toString());
        } catch (RuntimeException | IOException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses safetensors bytes held in memory (tests, tools); tensors are slices of {@code bytes}. */
    public static SafetensorsFile parse(MemorySegment bytes, String name) {
        return build(Path.of(name), null, bytes, name);
    }

    private static SafetensorsFile build(Path path, Arena arena, MemorySegment seg, String name) {
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, SafetensorsTensor> ts = parseHeader(seg, name, meta);
        return new SafetensorsFile(path, arena, ts, meta);
    }

    private static SafetensorsFormatException bad(String file, String msg) {
        return new SafetensorsFormatException(file + ": " + msg);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, SafetensorsTensor> parseHeader(MemorySegment seg, String file, Map<String, String> meta) {
        long size = seg.byteSize();
        if (size < 8) {
            throw bad(file, "file is " + size + " bytes, too short for the 8-byte header length (truncated download?)");
        }
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw bad(file, "header length " + Long.toUnsignedString(n) + " is absurd (allowed 2.." + MAX_HEADER_BYTES
                    + "); not a safetensors file?");
        }
        if (8 + n > size) {
            throw bad(file, "header length " + n + " runs past the end of the file (" + size + " bytes; truncated download?)");
        }
        byte[] hb = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(hb)).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
        Object root;
        try {
            root = Json.parse(text.stripTrailing(), file + " header");
        } catch (JsonParseException e) {
            throw new SafetensorsFormatException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof Map)) {
            throw bad(file, "header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        record Range(long begin, long end, String name) {}
        List<Range> ranges = new ArrayList<>();
        Map<String, SafetensorsTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) root).entrySet()) {
            String key = e.getKey();
            if (key.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw bad(file, "__metadata__ is not an object");
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String s)) {
                        throw bad(file, "__metadata__." + me.getKey() + " is not a string");
                    }
                    meta.put((String) me.getKey(), s);
                }
                continue;
            }
            String where = "tensor '" + key + "'";
            if (!(e.getValue() instanceof Map<?, ?> info)) {
                throw bad(file, where + ": entry is not an object");
            }
            if (!(info.get("dtype") instanceof String dtypeName)) {
                throw bad(file, where + ": field 'dtype' is missing or not a string");
            }
            SafetensorsDType dtype = SafetensorsDType.byName(dtypeName);
            if (dtype == null) {
                throw bad(file, where + ": unknown dtype '" + dtypeName + "'");
            }
            if (!(info.get("shape") instanceof List<?> shapeList)) {
                throw bad(file, where + ": field 'shape' is missing or not an array");
            }
            if (shapeList.size() > 8) {
                throw bad(file, where + ": shape has " + shapeList.size() + " dimensions");
            }
            long[] shape = new long[shapeList.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                    throw bad(file, where + ": shape[" + i + "] = " + shapeList.get(i) + " is not a non-negative integer");
                }
                shape[i] = d;
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException ex) {
                    throw bad(file, where + ": shape " + shapeList + " overflows");
                }
            }
            if (!(info.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                    || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end)) {
                throw bad(file, where + ": field 'data_offsets' must be an array of two integers");
            }
            if (begin < 0 || end < begin) {
                throw bad(file, where + ": data_offsets [" + begin + ", " + end + "] are not an ascending range");
            }
            if (end > dataSize) {
                throw bad(file, where + ": data_offsets end " + end + " is past the end of the data section (" + dataSize
                        + " bytes; truncated download?)");
            }
            long expected;
            try {
                expected = Math.multiplyExact(elements, (long) dtype.size());
            } catch (ArithmeticException ex) {
                throw bad(file, where + ": shape " + shapeList + " overflows");
            }
            if (end - begin != expected) {
                throw bad(file, where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but dtype "
                        + dtype + " and shape " + shapeList + " need " + expected);
            }
            ranges.add(new Range(begin, end, key));
            out.put(key, new SafetensorsTensor(key, dtype, shape, seg.asSlice(dataStart + begin, end - begin), file));
        }
        ranges.sort(Comparator.comparingLong(Range::begin).thenComparingLong(Range::end));
        for (int i = 1; i < ranges.size(); i++) {
            Range a = ranges.get(i - 1);
            Range b = ranges.get(i);
            if (b.begin() < a.end()) {
                throw bad(file, "tensors '" + a.name() + "' [" + a.begin() + ", " + a.end() + ") and '" + b.name() + "' ["
                        + b.begin() + ", " + b.end() + ") overlap");
            }
        }
        return out;
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    /** The tensor named {@code name}, or null. */
    public SafetensorsTensor tensor(String name) {
        return tensors.get(name);
    }

    /** The {@code __metadata__} strings (e.g. {@code format = pt}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
