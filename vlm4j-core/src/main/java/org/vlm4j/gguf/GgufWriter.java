package org.vlm4j.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF v3 file with bounded memory, so that a converter or a synthetic-model generator can
 * produce a multi-gigabyte model while holding one tensor (or one chunk of one) at a time.
 *
 * <p>Use in three phases:
 * <ol>
 *   <li>declare: {@link #put} metadata and {@link #addTensor} every tensor (name, type, shape), in
 *       the order their data will follow;</li>
 *   <li>{@link #writeHeader()}: the header, the tensor table and the padding are written; tensor
 *       offsets are fixed (each tensor starts at a multiple of {@code general.alignment}, default
 *       32, right after the previous one);</li>
 *   <li>supply each tensor's bytes in declaration order with {@link #writeTensorData} (any number of
 *       calls per tensor; the writer checks that no tensor gets more or fewer bytes than its type
 *       and shape require), then {@link #finish()}.</li>
 * </ol>
 *
 * <p>The output is written to {@code <file>.part} and renamed to the target only by
 * {@link #finish()}, so an interrupted or failed run never leaves a truncated model under the real
 * name; {@link #close()} without {@code finish()} deletes the partial file.
 *
 * <p>The layout is the canonical one that llama.cpp and gguf-py produce: tensors back to back in
 * table order, every tensor (including the last) zero-padded to the alignment. Names are limited to
 * 63 UTF-8 bytes and {@code general.alignment} must be a UINT32 power of two, because llama.cpp
 * refuses anything else.
 */
public final class GgufWriter implements AutoCloseable {
    /** The GGUF version written. */
    public static final int VERSION = 3;
    /** llama.cpp's limit on tensor name length (GGML_MAX_NAME - 1). */
    public static final int MAX_NAME_BYTES = 63;
    private static final int BUFFER_BYTES = 1 << 20;

    private enum State { DECLARING, DATA, FINISHED, CLOSED }

    private record Declared(String name, GgmlType type, long[] shape, long byteSize) {}

    private final Path target;
    private final Path partial;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Declared> declared = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private State state = State.DECLARING;
    private FileChannel channel;
    private ByteBuffer buf;
    private List<GgufTensorInfo> layout;
    private int current;
    private long writtenInCurrent;
    private long position;

    private GgufWriter(Path target) {
        this.target = target;
        this.partial = target.resolveSibling(target.getFileName() + ".part");
    }

    /** Starts a new GGUF file at {@code path} (nothing is written before {@link #writeHeader()}). */
    public static GgufWriter create(Path path) {
        return new GgufWriter(path.toAbsolutePath());
    }

    /**
     * Writes a copy of {@code source} (all metadata in order, all tensors in file order) to
     * {@code path} in canonical layout. For a file that already has canonical layout the copy is
     * byte-identical.
     */
    public static void copy(GgufFile source, Path path) throws IOException {
        try (GgufWriter w = create(path)) {
            w.putAll(source.metadata());
            for (GgufTensorInfo t : source.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape());
            }
            w.writeHeader();
            for (GgufTensorInfo t : source.tensors()) {
                w.writeTensorData(source.tensorData(t));
            }
            w.finish();
        }
    }

    // ---------------------------------------------------------------- phase 1: declarations

    /**
     * Sets a metadata entry. Entries are written in the order they were first put; putting a key
     * again replaces its value but keeps its position.
     *
     * @throws IllegalArgumentException if the value does not match its type, or for a bad
     *     {@code general.alignment}
     */
    public GgufWriter put(String key, GgufValue value) {
        requireState(State.DECLARING, "put metadata");
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must not be empty");
        }
        validate(key, value, 0);
        if (key.equals("general.alignment")) {
            if (value.type() != GgufValueType.UINT32) {
                throw new IllegalArgumentException("general.alignment must be UINT32, not " + value.type());
            }
            long a = (Long) value.value();
            if (a <= 0 || Long.bitCount(a) != 1 || a > (1 << 30)) {
                throw new IllegalArgumentException("general.alignment " + a + " is not a power of two");
            }
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.ofString(value));
    }

    public GgufWriter putU32(String key, long value) {
        return put(key, GgufValue.ofU32(value));
    }

    public GgufWriter putI32(String key, long value) {
        return put(key, GgufValue.ofI32(value));
    }

    public GgufWriter putU64(String key, long value) {
        return put(key, GgufValue.ofU64(value));
    }

    public GgufWriter putF32(String key, float value) {
        return put(key, GgufValue.ofF32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.ofBool(value));
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValue.ofArray(value));
    }

    /** Puts every entry of {@code m}, in its order. */
    public GgufWriter putAll(GgufMetadata m) {
        for (Map.Entry<String, GgufValue> e : m.entries().entrySet()) {
            put(e.getKey(), e.getValue());
        }
        return this;
    }

    /** Removes a metadata entry; returns whether it was present. */
    public boolean remove(String key) {
        requireState(State.DECLARING, "remove metadata");
        return metadata.remove(key) != null;
    }

    /** The metadata as put so far, in write order. */
    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /**
     * Declares the next tensor. Its data must later be supplied in declaration order.
     *
     * @param shape GGML dimensions {@code ne}, innermost first (1 to 4 of them)
     * @throws IllegalArgumentException for a duplicate or over-long name, a bad shape, or a row
     *     length that is not a multiple of the type's block size
     */
    public GgufWriter addTensor(String name, GgmlType type, long... shape) {
        requireState(State.DECLARING, "add tensors");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than " + MAX_NAME_BYTES + " bytes");
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor '" + name + "'");
        }
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + shape.length + " dimensions (allowed 1.." + GgufFile.MAX_DIMS + ")");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + shape[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        declared.add(new Declared(name, type, shape.clone(), type.byteSize(elements)));
        names.add(name);
        return this;
    }

    /** The alignment the file will use ({@code general.alignment} or 32). */
    public long alignment() {
        GgufValue a = metadata.get("general.alignment");
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : (Long) a.value();
    }

    /** Bytes of header (fixed part, metadata and tensor table) before the padding. */
    public long headerSize() {
        long n = 4 + 4 + 8 + 8;
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            n += stringSize(e.getKey()) + 4 + valueSize(e.getValue());
        }
        for (Declared d : declared) {
            n += stringSize(d.name) + 4 + 8L * d.shape.length + 4 + 8;
        }
        return n;
    }

    /** Absolute offset of the tensor data section. */
    public long dataOffset() {
        return GgufFile.alignUp(headerSize(), alignment());
    }

    /** The tensor table as it will be (or was) written, offsets relative to {@link #dataOffset()}. */
    public List<GgufTensorInfo> tensors() {
        if (layout != null) {
            return layout;
        }
        List<GgufTensorInfo> out = new ArrayList<>(declared.size());
        long off = 0;
        long align = alignment();
        for (Declared d : declared) {
            out.add(new GgufTensorInfo(d.name, d.type, d.shape, off, d.byteSize));
            off = GgufFile.alignUp(off + d.byteSize, align);
        }
        return Collections.unmodifiableList(out);
    }

    /** The size the finished file will have. */
    public long fileSize() {
        long data = 0;
        long align = alignment();
        for (Declared d : declared) {
            data = GgufFile.alignUp(data + d.byteSize, align);
        }
        return dataOffset() + data;
    }

    // ---------------------------------------------------------------- phase 2: header

    /** Writes header, metadata, tensor table and padding. No more declarations are allowed after. */
    public void writeHeader() throws IOException {
        requireState(State.DECLARING, "write the header");
        layout = tensors();
        Files.deleteIfExists(partial);
        channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        partial.toFile().deleteOnExit(); // also on Ctrl-C; a no-op once finish() has renamed it
        buf = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        state = State.DATA;
        putInt(GgufFile.MAGIC);
        putInt(VERSION);
        putLong(declared.size());
        putLong(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            putString(e.getKey());
            putInt(e.getValue().type().id());
            writeValue(e.getValue());
        }
        for (GgufTensorInfo t : layout) {
            putString(t.name());
            putInt(t.dimensions());
            for (int d = 0; d < t.dimensions(); d++) {
                putLong(t.dim(d));
            }
            putInt(t.type().id());
            putLong(t.offset());
        }
        padTo(alignment());
        current = 0;
        writtenInCurrent = 0;
        skipEmptyTensors();
    }

    // ---------------------------------------------------------------- phase 3: tensor data

    /** Name of the tensor whose bytes are expected next, or null when all data has been written. */
    public String nextTensor() {
        requireState(State.DATA, "ask for the next tensor");
        return current < layout.size() ? layout.get(current).name() : null;
    }

    /** Bytes the current tensor still needs. */
    public long remainingInTensor() {
        requireState(State.DATA, "ask for the remaining bytes");
        return current < layout.size() ? layout.get(current).byteSize() - writtenInCurrent : 0;
    }

    /**
     * Appends bytes to the current tensor; when a tensor is complete, its padding is written and
     * the next tensor becomes current. One call may not run past the end of the current tensor.
     *
     * @throws IllegalStateException if the bytes exceed what the current tensor needs, or all
     *     tensors are complete
     */
    public void writeTensorData(MemorySegment data) throws IOException {
        requireState(State.DATA, "write tensor data");
        long n = data.byteSize();
        accept(n);
        long done = 0;
        while (done < n) {
            if (buf.remaining() == 0) {
                flush();
            }
            if (buf.position() == 0 && n - done >= BUFFER_BYTES && data.isNative()) {
                long chunk = Math.min(n - done, 1L << 26);
                ByteBuffer bb = data.asSlice(done, chunk).asByteBuffer();
                while (bb.hasRemaining()) {
                    position += channel.write(bb);
                }
                done += chunk;
            } else {
                int chunk = (int) Math.min(n - done, buf.remaining());
                MemorySegment.copy(data, done, MemorySegment.ofBuffer(buf), 0, chunk);
                buf.position(buf.position() + chunk);
                done += chunk;
            }
        }
        advance(n);
    }

    public void writeTensorData(byte[] bytes, int off, int len) throws IOException {
        writeTensorData(MemorySegment.ofArray(bytes).asSlice(off, len));
    }

    public void writeTensorData(ByteBuffer data) throws IOException {
        int n = data.remaining();
        writeTensorData(MemorySegment.ofBuffer(data));
        data.position(data.position() + n);
    }

    /**
     * Completes the file: checks that every tensor got all its bytes, writes the final padding and
     * renames the partial file to the target.
     *
     * @throws IllegalStateException naming the first tensor that is incomplete
     */
    public void finish() throws IOException {
        requireState(State.DATA, "finish");
        if (current < layout.size()) {
            GgufTensorInfo t = layout.get(current);
            throw new IllegalStateException("tensor '" + t.name() + "' got " + writtenInCurrent + " of "
                    + t.byteSize() + " bytes" + (current + 1 < layout.size() ? " (and " + (layout.size() - current - 1) + " more tensors are missing)" : ""));
        }
        flush();
        long expected = fileSize();
        if (position != expected) {
            throw new IllegalStateException("internal error: wrote " + position + " bytes, expected " + expected);
        }
        channel.close();
        channel = null;
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
        state = State.FINISHED;
    }

    /** Bytes written so far (header included). */
    public long bytesWritten() {
        return position + (buf == null ? 0 : buf.position());
    }

    /** Releases the file. Without a successful {@link #finish()}, the partial file is deleted. */
    @Override
    public void close() throws IOException {
        if (state == State.CLOSED) {
            return;
        }
        boolean finished = state == State.FINISHED;
        state = State.CLOSED;
        if (channel != null) {
            channel.close();
            channel = null;
        }
        if (!finished) {
            Files.deleteIfExists(partial);
        }
    }

    private void accept(long n) {
        if (current >= layout.size()) {
            if (n == 0) {
                return;
            }
            throw new IllegalStateException("all " + layout.size() + " tensors are complete; " + n + " extra bytes");
        }
        GgufTensorInfo t = layout.get(current);
        if (n > t.byteSize() - writtenInCurrent) {
            throw new IllegalStateException("tensor '" + t.name() + "' (" + t.type() + " " + t.shapeString() + ") needs "
                    + t.byteSize() + " bytes; already got " + writtenInCurrent + ", " + n + " more is too many");
        }
    }

    private void advance(long n) throws IOException {
        if (current >= layout.size()) {
            return;
        }
        writtenInCurrent += n;
        if (writtenInCurrent == layout.get(current).byteSize()) {
            padTo(alignment());
            current++;
            writtenInCurrent = 0;
            skipEmptyTensors();
        }
    }

    private void skipEmptyTensors() throws IOException {
        while (current < layout.size() && layout.get(current).byteSize() == 0) {
            current++;
        }
    }

    // ---------------------------------------------------------------- encoding

    private void validate(String key, GgufValue v, int depth) {
        if (v == null || v.type() == null) {
            throw new IllegalArgumentException("metadata '" + key + "' has no value");
        }
        Object o = v.value();
        boolean ok = switch (v.type()) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
                    GgufValue.checkRange(v.type(), ((Number) o).longValue());
                    yield true;
                }
                yield false;
            }
            case FLOAT32, FLOAT64 -> o instanceof Number;
            case BOOL -> o instanceof Boolean;
            case STRING -> o instanceof String;
            case ARRAY -> o instanceof GgufArray a && depth < GgufFile.MAX_ARRAY_NESTING && validArray(key, a, depth);
        };
        if (!ok) {
            throw new IllegalArgumentException("metadata '" + key + "': " + v.type() + " cannot hold "
                    + (o == null ? "null" : o.getClass().getSimpleName()) + (v.type() == GgufValueType.ARRAY ? " (or arrays nest too deep)" : ""));
        }
    }

    private boolean validArray(String key, GgufArray a, int depth) {
        if (a.elementType() == GgufValueType.ARRAY) {
            for (GgufArray inner : a.arrays()) {
                validate(key, GgufValue.ofArray(inner), depth + 1);
            }
        }
        return true;
    }

    private static long stringSize(String s) {
        return 8L + s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static long valueSize(GgufValue v) {
        return switch (v.type()) {
            case STRING -> stringSize((String) v.value());
            case ARRAY -> arraySize((GgufArray) v.value());
            default -> v.type().size();
        };
    }

    private static long arraySize(GgufArray a) {
        long n = 4 + 8;
        switch (a.elementType()) {
            case STRING -> {
                MemorySegment enc = a.encodedStrings();
                if (enc != null) {
                    n += enc.byteSize();
                } else {
                    for (String s : a.strings()) {
                        n += stringSize(s);
                    }
                }
            }
            case ARRAY -> {
                for (GgufArray inner : a.arrays()) {
                    n += arraySize(inner);
                }
            }
            default -> n += (long) a.length() * a.elementType().size();
        }
        return n;
    }

    private void writeValue(GgufValue v) throws IOException {
        Object o = v.value();
        switch (v.type()) {
            case UINT8, INT8, BOOL -> putByte(o instanceof Boolean b ? (b ? 1 : 0) : ((Number) o).intValue());
            case UINT16, INT16 -> putShort(((Number) o).shortValue());
            case UINT32, INT32 -> putInt(((Number) o).intValue());
            case UINT64, INT64 -> putLong(((Number) o).longValue());
            case FLOAT32 -> putInt(Float.floatToRawIntBits(((Number) o).floatValue()));
            case FLOAT64 -> putLong(Double.doubleToRawLongBits(((Number) o).doubleValue()));
            case STRING -> putString((String) o);
            case ARRAY -> writeArray((GgufArray) o);
        }
    }

    private void writeArray(GgufArray a) throws IOException {
        putInt(a.elementType().id());
        putLong(a.length());
        switch (a.elementType()) {
            case STRING -> {
                MemorySegment enc = a.encodedStrings();
                if (enc != null) {
                    putBytes(enc);
                } else {
                    for (String s : a.strings()) {
                        putString(s);
                    }
                }
            }
            case ARRAY -> {
                for (GgufArray inner : a.arrays()) {
                    writeArray(inner);
                }
            }
            default -> putBytes(a.rawData());
        }
    }

    private void ensure(int n) throws IOException {
        if (buf.remaining() < n) {
            flush();
        }
    }

    private void putByte(int v) throws IOException {
        ensure(1);
        buf.put((byte) v);
    }

    private void putShort(short v) throws IOException {
        ensure(2);
        buf.putShort(v);
    }

    private void putInt(int v) throws IOException {
        ensure(4);
        buf.putInt(v);
    }

    private void putLong(long v) throws IOException {
        ensure(8);
        buf.putLong(v);
    }

    private void putString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putLong(b.length);
        putBytes(MemorySegment.ofArray(b));
    }

    private void putBytes(MemorySegment s) throws IOException {
        long done = 0;
        long n = s.byteSize();
        while (done < n) {
            if (buf.remaining() == 0) {
                flush();
            }
            int chunk = (int) Math.min(n - done, buf.remaining());
            MemorySegment.copy(s, done, MemorySegment.ofBuffer(buf), 0, chunk);
            buf.position(buf.position() + chunk);
            done += chunk;
        }
    }

    private void padTo(long alignment) throws IOException {
        long pos = bytesWritten();
        long pad = GgufFile.alignUp(pos, alignment) - pos;
        for (long i = 0; i < pad; i++) {
            putByte(0);
        }
    }

    private void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            position += channel.write(buf);
        }
        buf.clear();
    }

    private void requireState(State s, String action) {
        if (state != s) {
            throw new IllegalStateException("cannot " + action + " now: writer is " + switch (state) {
                case DECLARING -> "still declaring (call writeHeader() first)";
                case DATA -> "writing tensor data (declarations are closed)";
                case FINISHED -> "finished";
                case CLOSED -> "closed";
            });
        }
    }
}
