package org.vlm4j.safetensors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test-side safetensors writer: tensors in insertion order, header padded to 8 bytes with spaces. */
public final class SafetensorsBuilder {
    private record Entry(String name, String dtype, long[] shape, byte[] data) {}

    private final List<Entry> entries = new ArrayList<>();

    public SafetensorsBuilder add(String name, String dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape.clone(), data.clone()));
        return this;
    }

    /** Adds a tensor with the same dtype and bytes as {@code t}, under a new name and shape. */
    public SafetensorsBuilder add(String name, SafetensorsTensor t, long[] shape, long fromByte, long bytes) {
        byte[] b = t.data().asSlice(fromByte, bytes).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        return add(name, t.dtype().name(), shape, b);
    }

    public SafetensorsBuilder addF32(String name, long[] shape, float... values) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bb.putFloat(v);
        }
        return add(name, "F32", shape, bb.array());
    }

    /** The header JSON (unpadded). */
    public String header() {
        StringBuilder sb = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        for (Entry e : entries) {
            sb.append(",\"").append(e.name).append("\":{\"dtype\":\"").append(e.dtype).append("\",\"shape\":[");
            for (int i = 0; i < e.shape.length; i++) {
                sb.append(i > 0 ? "," : "").append(e.shape[i]);
            }
            sb.append("],\"data_offsets\":[").append(off).append(',').append(off + e.data.length).append("]}");
            off += e.data.length;
        }
        return sb.append('}').toString();
    }

    public byte[] toBytes() {
        return assemble(header());
    }

    /** File bytes for an arbitrary header text followed by this builder's data. */
    public byte[] assemble(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
        out.writeBytes(len.array());
        out.writeBytes(h);
        out.writeBytes(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
        for (Entry e : entries) {
            out.writeBytes(e.data);
        }
        return out.toByteArray();
    }

    public Path write(Path file) throws IOException {
        return Files.write(file, toBytes());
    }
}
