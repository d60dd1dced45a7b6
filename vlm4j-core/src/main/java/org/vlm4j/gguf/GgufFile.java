package org.vlm4j.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import java.util.function.Supplier;

/**
 * A GGUF file, memory-mapped read-only. Tensor data is never copied: {@link #tensorData} returns a
 * slice of the mapping. Close the file to unmap it (slices become unusable).
 *
 * <p>Layout (GGUF v2/v3, all little-endian):
 * <pre>
 *   u32 magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
 *   kv_count x { string key | u32 value_type | value }
 *       string = u64 byte length + UTF-8 bytes (no terminator)
 *       array  = u32 element_type + u64 count + elements
 *   tensor_count x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
 *   padding to general.alignment (default 32)
 *   tensor data; each tensor at data_start + offset, offsets aligned
 * </pre>
 * Version 1 used 32-bit counts and is not supported. Every count, length and offset is checked
 * against the file size before it is used, so a corrupt or hostile file fails with a
 * {@link GgufFormatException} naming the field and byte offset instead of exhausting memory.
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_NESTING = 4;

    static {
        preloadHeapSegmentClasses();
    }

    /**
     * Loads every heap {@link MemorySegment} implementation class before a file is mapped, so
     * before the JIT compiles code that reads mapped weights. While no heap segment class is
     * loaded, C2 may take the native segment class for the only concrete one and compile the
     * parser and the kernels on that assumption; loading one later deoptimizes all of them at once.
     * The Vector API's interpreted fallback of a reinterpret wraps a {@code byte[]} in a heap
     * segment, so its first call (in the vision softmax, two seconds into a one-shot picture
     * question) loaded {@code HeapMemorySegmentImpl$OfByte} and deoptimized 18 of vlm4j's compiled
     * methods, the GEMM driver among them, in the middle of the vision encoder
     * ({@code -Xlog:dependencies=debug} shows the failed class-hierarchy dependencies).
     */
    private static void preloadHeapSegmentClasses() {
        MemorySegment.ofArray(new byte[0]);
        MemorySegment.ofArray(new short[0]);
        MemorySegment.ofArray(new char[0]);
        MemorySegment.ofArray(new int[0]);
        MemorySegment.ofArray(new float[0]);
        MemorySegment.ofArray(new long[0]);
        MemorySegment.ofArray(new double[0]);
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final long alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment segment, Parser p) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = p.version;
        this.metadata = p.metadata;
        this.tensors = Collections.unmodifiableList(p.tensors);
        this.tensorsByName = Collections.unmodifiableMap(p.byName);
        this.alignment = p.alignment;
        this.dataOffset = p.dataOffset;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GgufFormatException if the file is not valid GGUF
     * @throws IOException if it cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        if (path.toString().isEmpty()) {
            throw new IOException("the file name is empty (an unset variable?): expected a .gguf file");
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "file not found");
        }
        if (Files.isDirectory(path)) {
            throw new IOException(path + ": is a directory, expected a .gguf file");
        }
        if (!Files.isRegularFile(path)) { // a pipe would block the open, a device cannot be mapped
            throw new IOException(path + ": not a regular file (a pipe or a device?), expected a .gguf file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Parser p = new Parser(seg, path.toString());
            p.parse();
            return new GgufFile(path, arena, seg, p);
        } catch (RuntimeException | IOException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses GGUF bytes held in memory (for tests and tools); tensor data slices point into it. */
    public static GgufFile parse(MemorySegment bytes, String name) {
        Parser p = new Parser(bytes, name);
        p.parse();
        return new GgufFile(Path.of(name), null, bytes, p);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensors in file order. */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    /** The tensor named {@code name}, or null. */
    public GgufTensorInfo tensor(String name) {
        return tensorsByName.get(name);
    }

    public boolean hasTensor(String name) {
        return tensorsByName.containsKey(name);
    }

    public long alignment() {
        return alignment;
    }

    /** Absolute file offset of the tensor data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return segment.byteSize();
    }

    /** The whole mapping. */
    public MemorySegment segment() {
        return segment;
    }

    /** A zero-copy slice holding the tensor's data. */
    public MemorySegment tensorData(GgufTensorInfo t) {
        return segment.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    /** The architecture string ({@code general.architecture}), or "" if absent. */
    public String architecture() {
        return metadata.getString("general.architecture", "");
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Header parser over a memory segment, with a bounds check before every read. */
    private static final class Parser {
        private final MemorySegment seg;
        private final String source;
        private final long size;
        private long pos;
        int version;
        GgufMetadata metadata;
        final List<GgufTensorInfo> tensors = new ArrayList<>();
        final Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        long alignment = DEFAULT_ALIGNMENT;
        long dataOffset;
        private final Map<String, Long> offsetFieldAt = new java.util.HashMap<>();
        private long alignmentValueAt = -1;

        Parser(MemorySegment seg, String source) {
            this.seg = seg;
            this.source = source;
            this.size = seg.byteSize();
        }

        void parse() {
            if (size < 4) {
                throw error("magic", 0, "file is " + size + " bytes, too short to be GGUF");
            }
            int magic = seg.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            if (magic != MAGIC) {
                String hint = Integer.reverseBytes(magic) == MAGIC ? " (byte-swapped: big-endian GGUF is not supported)" : "";
                throw error("magic", 0, String.format("not a GGUF file: magic is 0x%08x, expected 'GGUF'%s", magic, hint));
            }
            pos = 4;
            long v = u32(() -> "version");
            if (v == 1) {
                throw error("version", 4, "GGUF version 1 is not supported (only 2 and 3); re-convert the model");
            }
            if (v != 2 && v != 3) {
                String hint = Long.reverseBytes(v << 32) == 2 || Long.reverseBytes(v << 32) == 3
                        ? " (big-endian GGUF is not supported)" : "";
                throw error("version", 4, "unsupported GGUF version " + v + " (supported: 2, 3)" + hint);
            }
            version = (int) v;
            long tensorCount = u64(() -> "tensor_count");
            long kvCount = u64(() -> "metadata_kv_count");
            // each kv takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8 + 4 + 8 + 4 + 8
            if (kvCount < 0 || kvCount > remaining() / 13) {
                throw error("metadata_kv_count", 16, "count " + Long.toUnsignedString(kvCount) + " cannot fit in the file");
            }
            if (tensorCount < 0 || tensorCount > remaining() / 32) {
                throw error("tensor_count", 8, "count " + Long.toUnsignedString(tensorCount) + " cannot fit in the file");
            }
            Map<String, GgufValue> kv = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                long keyAt = pos;
                long index = i;
                String key = string(() -> "metadata key #" + index, 65535);
                GgufValueType type = valueType(() -> "type of metadata '" + key + "'");
                if (key.equals("general.alignment")) {
                    alignmentValueAt = pos;
                }
                GgufValue value = value(type, key, 0);
                if (kv.putIfAbsent(key, value) != null) {
                    throw error("metadata key", keyAt, "duplicate key '" + key + "'");
                }
            }
            metadata = new GgufMetadata(kv, source);
            GgufValue align = kv.get("general.alignment");
            if (align != null) {
                if (!(align.value() instanceof Long a)) {
                    throw error("general.alignment", alignmentValueAt, "alignment has type " + align.type() + ", expected UINT32");
                }
                if (a <= 0 || Long.bitCount(a) != 1 || a > (1 << 30)) {
                    throw error("general.alignment", alignmentValueAt, "alignment " + a + " is not a power of two between 1 and 2^30");
                }
                alignment = a;
            }
            for (long i = 0; i < tensorCount; i++) {
                readTensorInfo(i);
            }
            long padded = alignUp(pos, alignment);
            dataOffset = padded;
            checkTensorPlacement();
        }

        private void readTensorInfo(long index) {
            long at = pos;
            String name = string(() -> "tensor #" + index + " name", 65535);
            long dimsAt = pos;
            long nDims = u32(() -> "n_dims of tensor '" + name + "'");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw error("n_dims of tensor '" + name + "'", dimsAt, nDims + " dimensions (allowed 1.." + MAX_DIMS + ")");
            }
            long[] shape = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long neAt = pos;
                int dim = d;
                long ne = u64(() -> "ne[" + dim + "] of tensor '" + name + "'");
                if (ne < 0) {
                    throw error("ne[" + d + "] of tensor '" + name + "'", neAt, "dimension " + Long.toUnsignedString(ne) + " is too large");
                }
                shape[d] = ne;
                try {
                    elements = Math.multiplyExact(elements, ne);
                } catch (ArithmeticException e) {
                    throw error("shape of tensor '" + name + "'", neAt, "element count overflows");
                }
            }
            long typeAt = pos;
            long typeId = u32(() -> "type of tensor '" + name + "'");
            GgmlType type = typeId <= Integer.MAX_VALUE ? GgmlType.fromId((int) typeId) : null;
            if (type == null) {
                throw error("type of tensor '" + name + "'", typeAt, "unknown GGML type id " + typeId);
            }
            if (shape[0] % type.blockSize() != 0) {
                throw error("ne[0] of tensor '" + name + "'", dimsAt + 4, "row length " + shape[0]
                        + " is not a multiple of the " + type + " block size " + type.blockSize());
            }
            long offAt = pos;
            long offset = u64(() -> "offset of tensor '" + name + "'");
            long bytes;
            try {
                bytes = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw error("shape of tensor '" + name + "'", dimsAt, "byte size overflows");
            }
            if (offset < 0) {
                throw error("offset of tensor '" + name + "'", offAt, "offset " + Long.toUnsignedString(offset) + " is past the end of the file");
            }
            GgufTensorInfo info = new GgufTensorInfo(name, type, shape, offset, bytes);
            if (byName.putIfAbsent(name, info) != null) {
                throw error("tensor name", at, "duplicate tensor '" + name + "'");
            }
            offsetFieldAt.put(name, offAt);
            tensors.add(info);
        }

        private void checkTensorPlacement() {
            List<GgufTensorInfo> sorted = new ArrayList<>(tensors);
            sorted.sort(Comparator.comparingLong(GgufTensorInfo::offset));
            long prevEnd = 0;
            String prevName = null;
            for (GgufTensorInfo t : sorted) {
                long at = offsetFieldAt.get(t.name());
                if (t.offset() % alignment != 0) {
                    throw error("offset of tensor '" + t.name() + "'", at, "offset " + t.offset() + " is not a multiple of the alignment " + alignment);
                }
                if (t.offset() < prevEnd) {
                    throw error("offset of tensor '" + t.name() + "'", at, "data at " + t.offset() + " overlaps tensor '" + prevName
                            + "' which ends at " + prevEnd);
                }
                long start = dataOffset + t.offset();
                if (start < 0 || start > size) {
                    throw error("offset of tensor '" + t.name() + "'", at, "offset " + t.offset() + " points past the end of the file (data section starts at "
                            + dataOffset + ", file size " + size + "; truncated file?)");
                }
                long end = start + t.byteSize();
                if (end < 0 || end > size) {
                    throw error("data of tensor '" + t.name() + "'", start, "needs " + t.byteSize()
                            + " bytes but the file ends at " + size + " (truncated file?)");
                }
                prevEnd = t.offset() + t.byteSize();
                prevName = t.name();
            }
        }

        private GgufValue value(GgufValueType type, String key, int depth) {
            long at = pos;
            Supplier<String> field = () -> key;
            return switch (type) {
                case UINT8 -> new GgufValue(type, (long) (u8(field) & 0xFF));
                case INT8 -> new GgufValue(type, (long) (byte) u8(field));
                case UINT16 -> new GgufValue(type, (long) Short.toUnsignedInt(read16(field)));
                case INT16 -> new GgufValue(type, (long) read16(field));
                case UINT32 -> new GgufValue(type, u32(field));
                case INT32 -> new GgufValue(type, (long) (int) u32(field));
                case UINT64, INT64 -> new GgufValue(type, u64(field));
                case FLOAT32 -> new GgufValue(type, Float.intBitsToFloat((int) u32(field)));
                case FLOAT64 -> new GgufValue(type, Double.longBitsToDouble(u64(field)));
                case BOOL -> {
                    int b = u8(field);
                    if (b != 0 && b != 1) {
                        throw error(key, at, "bool value " + b + " is neither 0 nor 1");
                    }
                    yield new GgufValue(type, b == 1);
                }
                case STRING -> new GgufValue(type, string(field, Long.MAX_VALUE));
                case ARRAY -> new GgufValue(type, array(key, depth));
            };
        }

        private GgufArray array(String key, int depth) {
            if (depth >= MAX_ARRAY_NESTING) {
                throw error(key, pos, "arrays nested deeper than " + MAX_ARRAY_NESTING);
            }
            GgufValueType et = valueType(() -> "element type of '" + key + "'");
            long countAt = pos;
            long count = u64(() -> "length of array '" + key + "'");
            long minElement = et.size() > 0 ? et.size() : (et == GgufValueType.STRING ? 8 : 12);
            if (count < 0 || count > Integer.MAX_VALUE - 8 || count > remaining() / minElement) {
                throw error("length of array '" + key + "'", countAt, "length " + Long.toUnsignedString(count)
                        + " of " + et + " cannot fit in the " + remaining() + " bytes left");
            }
            int n = (int) count;
            long start = pos;
            if (et.size() > 0) {
                long bytes = count * et.size();
                pos += bytes;
                if (et == GgufValueType.BOOL) {
                    for (long i = 0; i < count; i++) {
                        byte b = seg.get(ValueLayout.JAVA_BYTE, start + i);
                        if (b != 0 && b != 1) {
                            throw error("array '" + key + "'", start + i, "bool value " + b + " is neither 0 nor 1");
                        }
                    }
                }
                return new GgufArray(et, n, seg.asSlice(start, bytes), null);
            }
            if (et == GgufValueType.STRING) {
                for (int i = 0; i < n; i++) {
                    int element = i;
                    string(() -> "element " + element + " of '" + key + "'", Long.MAX_VALUE, false);
                }
                return new GgufArray(et, n, seg.asSlice(start, pos - start), null);
            }
            GgufArray[] nested = new GgufArray[n];
            for (int i = 0; i < n; i++) {
                nested[i] = array(key + "[" + i + "]", depth + 1);
            }
            return new GgufArray(et, n, null, nested);
        }

        private GgufValueType valueType(Supplier<String> field) {
            long at = pos;
            long id = u32(field);
            GgufValueType t = id <= 64 ? GgufValueType.fromId((int) id) : null;
            if (t == null) {
                throw error(field, at, "unknown metadata value type " + id);
            }
            return t;
        }

        private String string(Supplier<String> field, long maxLen) {
            return string(field, maxLen, true);
        }

        private String string(Supplier<String> field, long maxLen, boolean decode) {
            long at = pos;
            long len = u64(() -> "length of " + field.get());
            if (len < 0 || len > remaining()) {
                throw error(field, at, "string length " + Long.toUnsignedString(len) + " exceeds the " + remaining() + " bytes left");
            }
            if (len > maxLen) {
                throw error(field, at, "string length " + len + " exceeds the limit of " + maxLen + " bytes");
            }
            if (len > Integer.MAX_VALUE - 8) {
                throw error(field, at, "string of " + len + " bytes is too long");
            }
            long start = pos;
            pos += len;
            if (!decode) {
                return null;
            }
            byte[] bytes = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, start, bytes, 0, (int) len);
            boolean ascii = true;
            for (byte c : bytes) {
                if (c < 0) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) {
                return new String(bytes, StandardCharsets.US_ASCII);
            }
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw error(field, start, "string is not valid UTF-8");
            }
        }

        private long remaining() {
            return size - pos;
        }

        private void need(long n, Supplier<String> field) {
            if (pos + n > size) {
                throw error(field, pos, "file ends at byte " + size + " (truncated header)");
            }
        }

        private int u8(Supplier<String> field) {
            need(1, field);
            return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
        }

        private short read16(Supplier<String> field) {
            need(2, field);
            short v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos);
            pos += 2;
            return v;
        }

        private long u32(Supplier<String> field) {
            need(4, field);
            long v = Integer.toUnsignedLong(seg.get(ValueLayout.JAVA_INT_UNALIGNED, pos));
            pos += 4;
            return v;
        }

        private long u64(Supplier<String> field) {
            need(8, field);
            long v = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, pos);
            pos += 8;
            return v;
        }

        private GgufFormatException error(String field, long offset, String problem) {
            return new GgufFormatException(source + ": " + field + (offset >= 0 ? " at byte " + offset : "") + ": " + problem);
        }

        private GgufFormatException error(Supplier<String> field, long offset, String problem) {
            return error(field.get(), offset, problem);
        }
    }

    static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }
}
