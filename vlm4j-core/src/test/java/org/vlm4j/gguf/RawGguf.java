package org.vlm4j.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Test helper that assembles GGUF bytes field by field (independently of {@link GgufWriter}), so
 * tests can write deliberately wrong values and know the byte offset of every field.
 */
final class RawGguf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    int pos() {
        return out.size();
    }

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    RawGguf bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        return bytes(b);
    }

    /** Fixed header: magic, version 3, counts. */
    RawGguf header(long tensors, long kvs) {
        return u32(GgufFile.MAGIC).u32(3).u64(tensors).u64(kvs);
    }

    RawGguf kvU32(String key, long v) {
        return str(key).u32(GgufValueType.UINT32.id()).u32(v);
    }

    RawGguf kvString(String key, String v) {
        return str(key).u32(GgufValueType.STRING.id()).str(v);
    }

    /** A tensor info with the given dims, GGML type id and offset. */
    RawGguf tensor(String name, int typeId, long offset, long... ne) {
        str(name).u32(ne.length);
        for (long d : ne) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    RawGguf padTo(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    RawGguf zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.write(0);
        }
        return this;
    }

    byte[] toBytes() {
        return out.toByteArray();
    }
}
