package org.vlm4j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and damaged input: every attempt must either load or throw {@link GgufFormatException}
 * (never another exception type, an OutOfMemoryError or a hang), and the messages must name the
 * field and its byte offset.
 */
class GgufRobustnessTest {
    static final String NAME = "x.gguf";
    @TempDir
    static Path tmp;
    /** A small valid file with every metadata type, arrays, and F32/Q8_0/F16 tensors. */
    static byte[] small;
    /** Where the last tensor's data ends: a file shorter than this must be rejected. */
    static long smallRequired;

    @BeforeAll
    static void buildSmallFile() throws IOException {
        Path p = tmp.resolve("small.gguf");
        try (GgufWriter w = GgufWriter.create(p)) {
            GgufWriterTest.allTypes().forEach(w::put);
            w.putU32("general.alignment", 32);
            w.addTensor("a", GgmlType.F32, 3, 2).addTensor("b", GgmlType.Q8_0, 32, 2).addTensor("c", GgmlType.F16, 5);
            w.writeHeader();
            w.writeTensorData(new byte[24], 0, 24);
            w.writeTensorData(new byte[68], 0, 68);
            w.writeTensorData(new byte[10], 0, 10);
            w.finish();
        }
        small = Files.readAllBytes(p);
        try (GgufFile f = GgufFile.open(p)) {
            GgufTensorInfo last = f.tensor("c");
            smallRequired = f.dataOffset() + last.offset() + last.byteSize();
        }
    }

    /** Parses and touches everything a loader would; returns the exception or null when it loads. */
    static GgufFormatException attempt(byte[] bytes, int len, String context) {
        MemorySegment seg = MemorySegment.ofArray(bytes).asSlice(0, len);
        try (GgufFile f = GgufFile.parse(seg, NAME)) {
            for (var e : f.metadata().entries().entrySet()) {
                touch(e.getValue());
            }
            for (GgufTensorInfo t : f.tensors()) {
                MemorySegment d = f.tensorData(t);
                if (d.byteSize() > 0) {
                    d.get(ValueLayout.JAVA_BYTE, 0);
                    d.get(ValueLayout.JAVA_BYTE, d.byteSize() - 1);
                }
            }
            return null;
        } catch (GgufFormatException e) {
            return e;
        } catch (Throwable t) {
            throw new AssertionError(context + ": expected GgufFormatException or success, got " + t, t);
        }
    }

    private static void touch(GgufValue v) {
        v.summary(100);
        if (v.value() instanceof GgufArray a) {
            touch(a);
        }
    }

    private static void touch(GgufArray a) {
        switch (a.elementType()) {
            case STRING -> a.strings();
            case ARRAY -> {
                for (GgufArray inner : a.arrays()) {
                    touch(inner);
                }
            }
            default -> a.floats();
        }
    }

    static GgufFormatException expectFailure(byte[] bytes, String... fragments) {
        GgufFormatException e = attempt(bytes, bytes.length, "crafted file");
        if (e == null) {
            fail("crafted file was accepted; expected an error mentioning " + String.join(", ", fragments));
        }
        assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        return e;
    }

    // ---------------------------------------------------------------- truncation

    @Test
    void truncationAtEveryByteOfTheSmallFile() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int len = 0; len <= small.length; len++) {
                GgufFormatException e = attempt(small, len, "truncated to " + len);
                if (len < smallRequired) {
                    assertTrue(e != null, "truncated to " + len + " of " + small.length + " bytes but loaded");
                    assertTrue(e.getMessage().contains(" at byte "), e.getMessage());
                } else {
                    assertEquals(null, e, "only final padding missing at " + len);
                }
            }
        });
    }

    @Test
    void truncationOfAFixtureHeaderAndData() {
        byte[] b = GgufFixtures.bytes(GgufFixtures.MMPROJ_F16);
        GgufFile full = GgufFile.parse(MemorySegment.ofArray(b), NAME);
        long headerEnd = full.dataOffset();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int len = 0; len <= headerEnd; len++) {
                GgufFormatException e = attempt(b, len, "truncated to " + len);
                assertTrue(e != null && e.getMessage().contains(" at byte "), "truncated to " + len);
            }
            SplittableRandom r = new SplittableRandom(11);
            for (int i = 0; i < 300; i++) {
                int len = (int) (headerEnd + r.nextLong(b.length - headerEnd));
                GgufFormatException e = attempt(b, len, "truncated to " + len);
                assertTrue(e != null && e.getMessage().contains("truncated"), "truncated to " + len);
            }
        });
        assertEquals(null, attempt(b, b.length, "complete file"));
    }

    // ---------------------------------------------------------------- random damage

    @Test
    void randomByteDamageOfTheSmallFile() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> damage(small.clone(), small.length, 6_000, 1));
    }

    @Test
    void randomByteDamageOfFixtureHeaders() {
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            byte[] mm = GgufFixtures.bytes(GgufFixtures.MMPROJ_F16);
            damage(mm, 3520, 1500, 2);
            byte[] text = GgufFixtures.bytes(GgufFixtures.TEXT_Q8_0);
            damage(text, 125_952, 200, 3);
        });
    }

    /** Seeded damage: bit flips, random bytes and 0xFF runs (huge counts), mostly in the header. */
    private static void damage(byte[] b, int headerLen, int trials, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int loaded = 0;
        int rejected = 0;
        for (int t = 0; t < trials; t++) {
            int pos = r.nextInt(10) == 0 ? r.nextInt(b.length) : r.nextInt(headerLen);
            int run = switch (r.nextInt(3)) {
                case 0 -> 1;
                case 1 -> 1 + r.nextInt(4);
                default -> Math.min(8, b.length - pos);
            };
            run = Math.min(run, b.length - pos);
            byte[] saved = new byte[run];
            System.arraycopy(b, pos, saved, 0, run);
            int mode = r.nextInt(3);
            for (int i = 0; i < run; i++) {
                b[pos + i] = switch (mode) {
                    case 0 -> (byte) (b[pos + i] ^ (1 << r.nextInt(8)));
                    case 1 -> (byte) r.nextInt(256);
                    default -> (byte) 0xFF;
                };
            }
            String ctx = "seed " + seed + " trial " + t + " (" + run + " bytes at " + pos + ", mode " + mode + ")";
            GgufFormatException e = attempt(b, b.length, ctx);
            if (e == null) {
                loaded++;
            } else {
                rejected++;
                assertTrue(e.getMessage().startsWith(NAME + ": "), ctx + ": " + e.getMessage());
            }
            System.arraycopy(saved, 0, b, pos, run);
        }
        // both outcomes must occur, or the damage is not reaching the parser
        assertTrue(loaded > 0 && rejected > trials / 10, "loaded " + loaded + ", rejected " + rejected);
    }

    // ---------------------------------------------------------------- crafted lies

    @Test
    void wrongMagicAndVersions() {
        expectFailure(new byte[0], "magic at byte 0", "too short");
        byte[] b = small.clone();
        b[0] = 'X';
        expectFailure(b, "magic at byte 0", "not a GGUF file");
        b = small.clone();
        b[0] = 'F'; b[1] = 'U'; b[2] = 'G'; b[3] = 'G';
        expectFailure(b, "magic at byte 0", "big-endian");
        for (int v : new int[] {0, 1, 4, 0x03000000}) {
            b = small.clone();
            b[4] = (byte) v; b[5] = (byte) (v >>> 8); b[6] = (byte) (v >>> 16); b[7] = (byte) (v >>> 24);
            GgufFormatException e = expectFailure(b, "version at byte 4");
            assertTrue(e.getMessage().contains(v == 1 ? "version 1 is not supported" : "unsupported GGUF version"), e.getMessage());
        }
    }

    @Test
    void lyingCounts() {
        expectFailure(new RawGguf().header(1L << 40, 0).toBytes(), "tensor_count at byte 8");
        expectFailure(new RawGguf().header(-1, 0).toBytes(), "tensor_count at byte 8", "18446744073709551615");
        expectFailure(new RawGguf().header(0, 1L << 40).toBytes(), "metadata_kv_count at byte 16");
        expectFailure(new RawGguf().header(0, 1).u64(1L << 50).zeros(16).toBytes(), "metadata key #0 at byte 24", "string length");
        expectFailure(new RawGguf().header(0, 1).str("k").u32(8).u64(-1).toBytes(), "k at byte 37", "string length");
        expectFailure(new RawGguf().header(0, 1).str("arr").u32(9).u32(4).u64(1L << 40).toBytes(),
                "length of array 'arr' at byte 43");
        expectFailure(new RawGguf().header(0, 1).str("arr").u32(9).u32(8).u64(Long.MAX_VALUE).toBytes(),
                "length of array 'arr' at byte 43");
        expectFailure(new RawGguf().header(0, 1).str("arr").u32(9).u32(8).u64(3).str("a").u64(1000).zeros(40).toBytes(),
                "element 1 of 'arr' at byte 60", "string length 1000");
        expectFailure(new RawGguf().header(0, 1).str("k").u32(13).u32(0).toBytes(), "type of metadata 'k' at byte 33", "unknown metadata value type 13");
        expectFailure(new RawGguf().header(0, 1).str("arr").u32(9).u32(77).u64(1).toBytes(), "element type of 'arr' at byte 39");
        expectFailure(new RawGguf().header(0, 1).str("b").u32(7).u8(2).toBytes(), "b at byte 37", "bool value 2");
        expectFailure(new RawGguf().header(0, 2).kvU32("k", 1).kvU32("k", 2).toBytes(), "metadata key at byte 41", "duplicate key 'k'");
        expectFailure(new RawGguf().header(0, 1).u64(2).bytes(new byte[] {(byte) 0xC3, 0x28}).u32(4).u32(0).toBytes(),
                "metadata key #0 at byte 32", "not valid UTF-8");
        RawGguf deep = new RawGguf().header(0, 1).str("d").u32(9);
        for (int i = 0; i < 5; i++) {
            deep.u32(9).u64(1);
        }
        expectFailure(deep.u32(4).u64(0).toBytes(), "nested deeper");
    }

    @Test
    void lyingTensorInfos() {
        // header(1 tensor, 0 kv) ends at 24; the tensor name "t" is at 24, n_dims at 33, ne[0] at 37
        expectFailure(new RawGguf().header(1, 0).str("t").u32(5).zeros(80).toBytes(), "n_dims of tensor 't' at byte 33", "5 dimensions");
        expectFailure(new RawGguf().header(1, 0).str("t").u32(0).zeros(80).toBytes(), "n_dims of tensor 't' at byte 33");
        expectFailure(new RawGguf().header(1, 0).tensor("t", 0, 0, -1L).zeros(40).toBytes(), "ne[0] of tensor 't' at byte 37");
        expectFailure(new RawGguf().header(1, 0).tensor("t", 0, 0, 1L << 40, 1L << 40).zeros(40).toBytes(),
                "shape of tensor 't' at byte 45", "overflows");
        expectFailure(new RawGguf().header(1, 0).tensor("t", 0, 0, 1L << 31, 1L << 31).zeros(40).toBytes(),
                "shape of tensor 't' at byte 33", "byte size overflows");
        expectFailure(new RawGguf().header(1, 0).tensor("t", 0, 0, 1L << 30, 1L << 30).zeros(40).toBytes(),
                "data of tensor 't' at byte 96", "needs 4611686018427387904 bytes");
        expectFailure(new RawGguf().header(1, 0).tensor("t", 99, 0, 8).zeros(40).toBytes(), "type of tensor 't' at byte 45", "unknown GGML type id 99");
        expectFailure(new RawGguf().header(1, 0).tensor("t", 4, 0, 8).zeros(40).toBytes(), "type of tensor 't' at byte 45", "unknown GGML type id 4");
        expectFailure(new RawGguf().header(1, 0).tensor("t", 8, 0, 48).zeros(80).toBytes(), "ne[0] of tensor 't' at byte 37", "block size 32");
        expectFailure(validOneTensor(1L << 40), "offset of tensor 't' at byte 49", "past the end of the file");
        expectFailure(validOneTensor(Long.MIN_VALUE + 32), "offset of tensor 't' at byte 49");
        expectFailure(validOneTensor(4), "offset of tensor 't' at byte 49", "not a multiple of the alignment 32");
        expectFailure(validOneTensor(32), "data of tensor 't'", "truncated");
        byte[] overlap = new RawGguf().header(2, 0).tensor("t", 0, 0, 8).tensor("u", 0, 0, 8).padTo(32).zeros(64).toBytes();
        expectFailure(overlap, "offset of tensor 'u' at byte 82", "overlaps tensor 't'");
        byte[] dup = new RawGguf().header(2, 0).tensor("t", 0, 0, 8).tensor("t", 0, 32, 8).padTo(32).zeros(64).toBytes();
        expectFailure(dup, "tensor name at byte 57", "duplicate tensor 't'");
        assertEquals(null, attempt(validOneTensor(0), validOneTensor(0).length, "valid"));
    }

    /** One F32 [8] tensor ("t", offset field at byte 49) with 32 bytes of data after the padding. */
    static byte[] validOneTensor(long offset) {
        return new RawGguf().header(1, 0).tensor("t", 0, offset, 8).padTo(32).zeros(32).toBytes();
    }

    @Test
    void badAlignment() {
        // header(0 tensors, 1 kv) = 24 bytes; key "general.alignment" (8 + 17) and type (4): value at 53
        for (long a : new long[] {0, 3, 48, 1L << 31}) {
            byte[] b = new RawGguf().header(0, 1).kvU32("general.alignment", a).toBytes();
            expectFailure(b, "general.alignment at byte 53", "not a power of two");
        }
        expectFailure(new RawGguf().header(0, 1).kvString("general.alignment", "32").toBytes(),
                "general.alignment at byte 53", "expected UINT32");
        byte[] ok = new RawGguf().header(1, 1).kvU32("general.alignment", 64).tensor("t", 0, 0, 8).padTo(64).zeros(32).toBytes();
        GgufFile f = GgufFile.parse(MemorySegment.ofArray(ok), NAME);
        assertEquals(64, f.alignment());
        assertEquals(128, f.dataOffset());
        assertEquals(null, attempt(ok, ok.length, "alignment 64"));
    }

    @Test
    void openReportsMissingFilesAndDirectories() throws IOException {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> GgufFile.open(tmp.resolve("nope.gguf")));
        assertTrue(e.getMessage().contains("nope.gguf"));
        IOException d = assertThrows(IOException.class, () -> GgufFile.open(tmp));
        assertTrue(d.getMessage().contains("directory"));
        Path empty = Files.write(tmp.resolve("empty.gguf"), new byte[0]);
        GgufFormatException z = assertThrows(GgufFormatException.class, () -> GgufFile.open(empty));
        assertTrue(z.getMessage().contains("empty.gguf") && z.getMessage().contains("magic at byte 0"), z.getMessage());
    }
}
