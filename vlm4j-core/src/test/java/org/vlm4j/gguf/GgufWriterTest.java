package org.vlm4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GgufWriter: byte-exact round trips of the fixtures, every value type, streaming and misuse. */
class GgufWriterTest {
    @TempDir
    Path tmp;

    @Test
    void fixturesRoundTripByteForByte() throws IOException {
        for (String name : GgufFixtures.ALL) {
            Path out = tmp.resolve("copy-" + name);
            try (GgufFile src = GgufFile.open(GgufFixtures.path(name, tmp))) {
                assertTrue(hasCanonicalLayout(src), name + " is expected to have canonical layout");
                GgufWriter.copy(src, out);
            }
            // the fixtures have canonical layout (tensors back to back, each padded to 32, zero
            // padding), so the copy must be identical, not just equivalent
            assertArrayEquals(GgufFixtures.bytes(name), Files.readAllBytes(out), name);
        }
    }

    /** Tensors in table order, each right after the previous one's padding, zero padding bytes. */
    static boolean hasCanonicalLayout(GgufFile f) {
        long expected = 0;
        for (GgufTensorInfo t : f.tensors()) {
            if (t.offset() != expected) {
                return false;
            }
            expected = GgufFile.alignUp(t.offset() + t.byteSize(), f.alignment());
        }
        if (f.dataOffset() + expected != f.fileSize()) {
            return false;
        }
        MemorySegment s = f.segment();
        long prevEnd = 0;
        for (GgufTensorInfo t : f.tensors()) {
            for (long p = prevEnd; p < t.offset(); p++) {
                if (s.get(ValueLayout.JAVA_BYTE, f.dataOffset() + p) != 0) {
                    return false;
                }
            }
            prevEnd = t.offset() + t.byteSize();
        }
        return true;
    }

    static Map<String, GgufValue> allTypes() {
        Map<String, GgufValue> m = new java.util.LinkedHashMap<>();
        m.put("t.u8", GgufValue.ofU8(255));
        m.put("t.i8", GgufValue.ofI8(-128));
        m.put("t.u16", GgufValue.ofU16(65535));
        m.put("t.i16", GgufValue.ofI16(-32768));
        m.put("t.u32", GgufValue.ofU32(0xFFFF_FFFFL));
        m.put("t.i32", GgufValue.ofI32(Integer.MIN_VALUE));
        m.put("t.u64", GgufValue.ofU64(-1L)); // 2^64-1, wrapped
        m.put("t.i64", GgufValue.ofI64(Long.MIN_VALUE));
        m.put("t.f32", GgufValue.ofF32(-0.0f));
        m.put("t.f32nan", GgufValue.ofF32(Float.intBitsToFloat(0x7fc00001)));
        m.put("t.f64", GgufValue.ofF64(Math.PI));
        m.put("t.bool", GgufValue.ofBool(true));
        m.put("t.str", GgufValue.ofString("héllo\n\u4e16\u754c \uD83D\uDE00"));
        m.put("t.empty", GgufValue.ofString(""));
        m.put("a.u8", GgufValue.ofArray(GgufArray.ofLongs(GgufValueType.UINT8, 0, 1, 255)));
        m.put("a.i8", GgufValue.ofArray(GgufArray.ofLongs(GgufValueType.INT8, -128, 127)));
        m.put("a.u16", GgufValue.ofArray(GgufArray.ofLongs(GgufValueType.UINT16, 65535, 7)));
        m.put("a.i16", GgufValue.ofArray(GgufArray.ofLongs(GgufValueType.INT16, -5, 32767)));
        m.put("a.u32", GgufValue.ofArray(GgufArray.ofLongs(GgufValueType.UINT32, 0xFFFF_FFFFL)));
        m.put("a.i32", GgufValue.ofArray(GgufArray.ofInts(1, -2, 3)));
        m.put("a.u64", GgufValue.ofArray(GgufArray.ofLongs(GgufValueType.UINT64, -1L, 5)));
        m.put("a.i64", GgufValue.ofArray(GgufArray.ofLongs(GgufValueType.INT64, Long.MAX_VALUE)));
        m.put("a.f32", GgufValue.ofArray(GgufArray.ofFloats(0.485f, 1e-30f, Float.NEGATIVE_INFINITY)));
        m.put("a.f64", GgufValue.ofArray(GgufArray.ofDoubles(1e300, -2.5)));
        m.put("a.bool", GgufValue.ofArray(GgufArray.ofBools(true, false, true)));
        m.put("a.str", GgufValue.ofArray(GgufArray.ofStrings("Ġt", "", "<|im_end|>", "\u00e9\u4e2d")));
        m.put("a.empty", GgufValue.ofArray(GgufArray.ofStrings()));
        m.put("a.nested", GgufValue.ofArray(GgufArray.ofArrays(GgufArray.ofInts(1, 2), GgufArray.ofStrings("x"), GgufArray.ofInts())));
        return m;
    }

    @Test
    void everyValueTypeRoundTrips() throws IOException {
        Path out = tmp.resolve("types.gguf");
        Map<String, GgufValue> in = allTypes();
        try (GgufWriter w = GgufWriter.create(out)) {
            in.forEach(w::put);
            w.addTensor("x", GgmlType.F32, 3);
            w.writeHeader();
            w.writeTensorData(floats(1, 2, 3));
            w.finish();
        }
        try (GgufFile f = GgufFile.open(out)) {
            Map<String, GgufValue> got = f.metadata().entries();
            assertEquals(List.copyOf(in.keySet()), List.copyOf(got.keySet()));
            for (Map.Entry<String, GgufValue> e : in.entrySet()) {
                GgufValue g = got.get(e.getKey());
                assertEquals(e.getValue().type(), g.type(), e.getKey());
                assertValueEquals(e.getKey(), e.getValue().value(), g.value());
            }
            assertEquals(-1L, f.metadata().getLong("t.u64"));
            assertEquals(0x7fc00001, Float.floatToRawIntBits((Float) got.get("t.f32nan").value()));
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits((Float) got.get("t.f32").value()));
            // rewrite what was read: the same bytes again
            Path again = tmp.resolve("types2.gguf");
            GgufWriter.copy(f, again);
            assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again));
        }
    }

    private static void assertValueEquals(String key, Object want, Object got) {
        if (want instanceof GgufArray a) {
            GgufArray b = (GgufArray) got;
            assertEquals(a.elementType(), b.elementType(), key);
            assertEquals(a.length(), b.length(), key);
            switch (a.elementType()) {
                case STRING -> assertArrayEquals(a.strings(), b.strings(), key);
                case ARRAY -> {
                    for (int i = 0; i < a.length(); i++) {
                        assertValueEquals(key + "[" + i + "]", a.arrays()[i], b.arrays()[i]);
                    }
                }
                default -> assertArrayEquals(a.rawData().toArray(ValueLayout.JAVA_BYTE), b.rawData().toArray(ValueLayout.JAVA_BYTE), key);
            }
        } else if (want instanceof Float x) {
            assertEquals(Float.floatToRawIntBits(x), Float.floatToRawIntBits((Float) got), key);
        } else {
            assertEquals(want, got, key);
        }
    }

    @Test
    void alignmentIsHonouredAndLayoutIsPredicted() throws IOException {
        for (long align : new long[] {1, 8, 64, 4096}) {
            Path out = tmp.resolve("a" + align + ".gguf");
            long predictedSize;
            List<GgufTensorInfo> predicted;
            try (GgufWriter w = GgufWriter.create(out)) {
                w.putString("general.architecture", "test").putU32("general.alignment", align);
                w.addTensor("a", GgmlType.F32, 3).addTensor("b", GgmlType.Q8_0, 64, 2).addTensor("c", GgmlType.F16, 5);
                predictedSize = w.fileSize();
                predicted = w.tensors();
                w.writeHeader();
                w.writeTensorData(floats(1, 2, 3));
                w.writeTensorData(new byte[4 * 34], 0, 4 * 34);
                w.writeTensorData(ByteBuffer.wrap(new byte[10]));
                assertNull(w.nextTensor());
                w.finish();
            }
            assertEquals(predictedSize, Files.size(out));
            try (GgufFile f = GgufFile.open(out)) {
                assertEquals(align, f.alignment());
                assertEquals(0, f.dataOffset() % align);
                assertEquals(predicted, f.tensors());
                for (GgufTensorInfo t : f.tensors()) {
                    assertEquals(0, t.offset() % align, t.name());
                }
                assertEquals(0, f.fileSize() % align);
                assertEquals(2f, f.tensorData(f.tensor("a")).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4));
            }
        }
    }

    @Test
    void streamsLargeTensorsInChunks() throws IOException {
        Path out = tmp.resolve("big.gguf");
        int n = 1_500_000; // 6 MB of F32: exercises both the buffered and the direct path
        SplittableRandom r = new SplittableRandom(7);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) r.nextGaussian();
        }
        try (Arena arena = Arena.ofConfined(); GgufWriter w = GgufWriter.create(out)) {
            w.addTensor("small", GgmlType.F32, 1).addTensor("big", GgmlType.F32, 1000, 1500).addTensor("tail", GgmlType.F32, 2);
            w.writeHeader();
            assertEquals("small", w.nextTensor());
            w.writeTensorData(floats(9));
            assertEquals("big", w.nextTensor());
            MemorySegment native_ = arena.allocate(4L * n);
            MemorySegment.copy(data, 0, native_, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
            long done = 0;
            long[] chunks = {3, 1 << 20, 5_000_001, 7};
            for (int i = 0; done < 4L * n; i++) {
                long c = Math.min(chunks[i % chunks.length], 4L * n - done);
                w.writeTensorData(native_.asSlice(done, c));
                done += c;
                if (done < 4L * n) {
                    assertEquals("big", w.nextTensor());
                    assertEquals(4L * n - done, w.remainingInTensor());
                }
            }
            assertEquals("tail", w.nextTensor());
            w.writeTensorData(floats(1, 2));
            w.finish();
        }
        try (GgufFile f = GgufFile.open(out)) {
            float[] got = f.tensorData(f.tensor("big")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
            assertArrayEquals(data, got);
            assertEquals(9f, f.tensorData(f.tensor("small")).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        }
    }

    @Test
    void sizeMismatchesAreRefusedAndLeaveNoFile() throws IOException {
        Path out = tmp.resolve("bad.gguf");
        try (GgufWriter w = GgufWriter.create(out)) {
            w.addTensor("a", GgmlType.F32, 4).addTensor("b", GgmlType.Q4_0, 32);
            w.writeHeader();
            IllegalStateException tooMany = assertThrows(IllegalStateException.class, () -> w.writeTensorData(new byte[20], 0, 20));
            assertTrue(tooMany.getMessage().contains("'a'") && tooMany.getMessage().contains("16 bytes"), tooMany.getMessage());
            w.writeTensorData(new byte[16], 0, 16);
            w.writeTensorData(new byte[10], 0, 10);
            IllegalStateException incomplete = assertThrows(IllegalStateException.class, w::finish);
            assertTrue(incomplete.getMessage().contains("'b' got 10 of 18 bytes"), incomplete.getMessage());
            assertThrows(IllegalStateException.class, () -> w.addTensor("c", GgmlType.F32, 1));
        }
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("bad.gguf.part")));
    }

    @Test
    void declarationsAreValidated() {
        GgufWriter w = GgufWriter.create(tmp.resolve("x.gguf"));
        w.addTensor("a", GgmlType.F32, 4);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("a", GgmlType.F32, 4));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("n".repeat(64), GgmlType.F32, 4));
        w.addTensor("n".repeat(63), GgmlType.F32, 4);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", GgmlType.Q8_0, 48));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("d", GgmlType.F32, 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("d", GgmlType.F32));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("neg", GgmlType.F32, -1));
        assertThrows(IllegalArgumentException.class, () -> w.putU32("general.alignment", 3));
        assertThrows(IllegalArgumentException.class, () -> w.putU32("general.alignment", 0));
        assertThrows(IllegalArgumentException.class, () -> w.putU64("general.alignment", 32));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", new GgufValue(GgufValueType.UINT8, 256L)));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", new GgufValue(GgufValueType.STRING, 5L)));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.ofU32(-1));
        assertThrows(IllegalArgumentException.class, () -> GgufArray.ofLongs(GgufValueType.INT8, 200));
        assertThrows(IllegalStateException.class, w::finish);
    }

    @Test
    void putReplacesInPlace() throws IOException {
        Path out = tmp.resolve("r.gguf");
        try (GgufWriter w = GgufWriter.create(out)) {
            w.putString("a", "1").putString("b", "2").putString("a", "3");
            assertTrue(w.remove("b"));
            w.putU32("c", 4);
            w.writeHeader();
            w.finish();
        }
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(List.of("a", "c"), List.copyOf(f.metadata().entries().keySet()));
            assertEquals("3", f.metadata().getString("a"));
            assertEquals(0, f.tensors().size());
        }
    }

    static MemorySegment floats(float... v) {
        MemorySegment s = MemorySegment.ofArray(new byte[v.length * 4]);
        for (int i = 0; i < v.length; i++) {
            s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, v[i]);
        }
        return s;
    }
}
