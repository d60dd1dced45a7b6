package org.vlm4j.model.qwen3;

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
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.gguf.GgufValue;
import org.vlm4j.gguf.GgufValueType;

/**
 * A minimal in-memory GGUF v3 builder for tests: scalar metadata and tensors (raw bytes of any
 * type). Used to derive variants of the tiny model (Qwen2 layout, missing or mis-shaped tensors,
 * tied output) without shipping more fixture files.
 */
final class GgufTestWriter {
    record Tensor(String name, long[] shape, GgmlType type, byte[] data) {}

    final Map<String, GgufValue> meta = new LinkedHashMap<>();
    final List<Tensor> tensors = new ArrayList<>();

    /** Scalar metadata (arrays such as the tokenizer are dropped) and all tensors of {@code f}. */
    static GgufTestWriter copyOf(GgufFile f) {
        GgufTestWriter g = new GgufTestWriter();
        for (var e : f.metadata().entries().entrySet()) {
            if (e.getValue().type() != GgufValueType.ARRAY) {
                g.meta.put(e.getKey(), e.getValue());
            }
        }
        for (GgufTensorInfo t : f.tensors()) {
            g.tensors.add(new Tensor(t.name(), t.shape(), t.type(), f.tensorData(t).toArray(ValueLayout.JAVA_BYTE)));
        }
        return g;
    }

    /** Renames every metadata key prefix {@code from.} to {@code to.} and sets general.architecture. */
    GgufTestWriter withArchitecture(String from, String to) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        for (var e : meta.entrySet()) {
            String k = e.getKey().startsWith(from + ".") ? to + e.getKey().substring(from.length()) : e.getKey();
            m.put(k, e.getValue());
        }
        meta.clear();
        meta.putAll(m);
        meta.put("general.architecture", GgufValue.ofString(to));
        return this;
    }

    Tensor tensor(String name) {
        for (Tensor t : tensors) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        return null;
    }

    GgufTestWriter remove(String name) {
        tensors.removeIf(t -> t.name.equals(name));
        return this;
    }

    GgufTestWriter put(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        remove(name);
        tensors.add(new Tensor(name, shape, GgmlType.F32, b.array()));
        return this;
    }

    GgufTestWriter replace(String name, Tensor t) {
        int i = tensors.indexOf(tensor(name));
        tensors.set(i, t);
        return this;
    }

    byte[] toBytes() {
        Out o = new Out();
        o.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        o.u32(3);
        o.u64(tensors.size());
        o.u64(meta.size());
        for (var e : meta.entrySet()) {
            o.str(e.getKey());
            GgufValue v = e.getValue();
            o.u32(v.type().id());
            switch (v.type()) {
                case UINT8, INT8 -> o.raw(new byte[] {(byte) (long) (Long) v.value()});
                case UINT16, INT16 -> o.u16((int) (long) (Long) v.value());
                case UINT32, INT32 -> o.u32((int) (long) (Long) v.value());
                case UINT64, INT64 -> o.u64((Long) v.value());
                case FLOAT32 -> o.u32(Float.floatToRawIntBits((Float) v.value()));
                case FLOAT64 -> o.u64(Double.doubleToRawLongBits((Double) v.value()));
                case BOOL -> o.raw(new byte[] {(byte) (((Boolean) v.value()) ? 1 : 0)});
                case STRING -> o.str((String) v.value());
                default -> throw new IllegalArgumentException(v.type().toString());
            }
        }
        long off = 0;
        for (Tensor t : tensors) {
            o.str(t.name);
            o.u32(t.shape.length);
            for (long d : t.shape) {
                o.u64(d);
            }
            o.u32(t.type.id());
            o.u64(off);
            off = align(off + t.data.length);
        }
        o.pad();
        for (Tensor t : tensors) {
            o.raw(t.data);
            o.pad();
        }
        return o.bytes.toByteArray();
    }

    GgufFile toFile(String name) {
        byte[] b = toBytes();
        return GgufFile.parse(MemorySegment.ofArray(b), name);
    }

    private static long align(long v) {
        return (v + 31) / 32 * 32;
    }

    private static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void raw(byte[] b) {
            bytes.writeBytes(b);
        }

        void u16(int v) {
            raw(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
        }

        void u32(int v) {
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void u64(long v) {
            raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            raw(b);
        }

        void pad() {
            while (bytes.size() % 32 != 0) {
                bytes.write(0);
            }
        }
    }
}
