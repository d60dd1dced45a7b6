package org.vlm4j.model.internvit;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.gguf.GgufValue;
import org.vlm4j.gguf.GgufValueType;

/**
 * A minimal GGUF v3 writer for tests: copies a parsed file, lets a test change metadata and tensors,
 * and serialises the result, so that broken or re-typed mmproj files can be made on the fly.
 */
final class MmprojWriter {
    private static final int ALIGN = 32;

    record Tensor(String name, GgmlType type, long[] ne, byte[] data) {}

    final Map<String, GgufValue> kv = new LinkedHashMap<>();
    final List<Tensor> tensors = new ArrayList<>();

    static MmprojWriter copyOf(GgufFile f) {
        MmprojWriter w = new MmprojWriter();
        w.kv.putAll(f.metadata().entries());
        for (GgufTensorInfo t : f.tensors()) {
            w.tensors.add(new Tensor(t.name(), t.type(), t.shape(), f.tensorData(t).toArray(ValueLayout.JAVA_BYTE)));
        }
        return w;
    }

    MmprojWriter put(String key, GgufValue v) {
        kv.put(key, v);
        return this;
    }

    MmprojWriter remove(String key) {
        if (kv.remove(key) == null) {
            throw new IllegalArgumentException("no key " + key);
        }
        return this;
    }

    Tensor tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
    }

    MmprojWriter removeTensor(String name) {
        tensors.remove(tensor(name));
        return this;
    }

    MmprojWriter replaceTensor(String name, GgmlType type, long[] ne, byte[] data) {
        int i = tensors.indexOf(tensor(name));
        tensors.set(i, new Tensor(name, type, ne, data));
        return this;
    }

    MmprojWriter addTensor(String name, GgmlType type, long[] ne, byte[] data) {
        tensors.add(new Tensor(name, type, ne, data));
        return this;
    }

    GgufFile parse(String name) {
        return GgufFile.parse(MemorySegment.ofArray(toBytes()), name);
    }

    byte[] toBytes() {
        Out o = new Out();
        o.i32(GgufFile.MAGIC);
        o.i32(3);
        o.i64(tensors.size());
        o.i64(kv.size());
        kv.forEach((k, v) -> {
            o.str(k);
            o.i32(v.type().id());
            o.value(v);
        });
        long offset = 0;
        for (Tensor t : tensors) {
            o.str(t.name());
            o.i32(t.ne().length);
            for (long d : t.ne()) {
                o.i64(d);
            }
            o.i32(t.type().id());
            o.i64(offset);
            offset = align(offset + t.data().length);
        }
        o.pad();
        for (Tensor t : tensors) {
            o.bytes(t.data());
            o.pad();
        }
        return o.buf.toByteArray();
    }

    private static long align(long v) {
        return (v + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Little-endian float32 bytes. */
    static byte[] f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** Floats of an F32 tensor's bytes. */
    static float[] floats(byte[] data) {
        float[] f = new float[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /** bfloat16 bytes by truncation (exact for values that are bf16 already). */
    static byte[] bf16(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
        }
        return b.array();
    }

    /** Q8_0 bytes: per 32 values an f16 scale {@code amax/127} and 32 rounded int8 quants. */
    static byte[] q8_0(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < v.length / 32; blk++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(v[blk * 32 + i]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            b.putShort(Float.floatToFloat16(d));
            for (int i = 0; i < 32; i++) {
                b.put((byte) Math.round(v[blk * 32 + i] * id));
            }
        }
        return b.array();
    }

    private static final class Out {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void i32(int v) {
            buf.write(scratch.clear().putInt(v).array(), 0, 4);
        }

        void i64(long v) {
            buf.write(scratch.clear().putLong(v).array(), 0, 8);
        }

        void bytes(byte[] b) {
            buf.write(b, 0, b.length);
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void pad() {
            while (buf.size() % ALIGN != 0) {
                buf.write(0);
            }
        }

        void value(GgufValue v) {
            Object x = v.value();
            switch (v.type()) {
                case UINT8, INT8 -> buf.write((int) (long) (Long) x);
                case UINT16, INT16 -> buf.write(scratch.clear().putShort((short) (long) (Long) x).array(), 0, 2);
                case UINT32, INT32 -> i32((int) (long) (Long) x);
                case UINT64, INT64 -> i64((Long) x);
                case FLOAT32 -> i32(Float.floatToRawIntBits((Float) x));
                case FLOAT64 -> i64(Double.doubleToRawLongBits((Double) x));
                case BOOL -> buf.write((Boolean) x ? 1 : 0);
                case STRING -> str((String) x);
                case ARRAY -> array((GgufArray) x);
            }
        }

        void array(GgufArray a) {
            i32(a.elementType().id());
            i64(a.length());
            if (a.elementType() == GgufValueType.STRING) {
                for (String s : a.strings()) {
                    str(s);
                }
            } else if (a.rawData() != null) {
                bytes(a.rawData().toArray(ValueLayout.JAVA_BYTE));
            } else {
                throw new UnsupportedOperationException("nested arrays");
            }
        }
    }
}
