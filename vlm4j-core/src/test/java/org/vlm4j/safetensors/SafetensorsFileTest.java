package org.vlm4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading real safetensors files: the tiny fixture checkpoint in BF16 and F32 (written by the Python
 * safetensors library) hold bit-identical values, F16 decoding, sharded checkpoints via the index.
 */
public class SafetensorsFileTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) {
        try {
            return Path.of(SafetensorsFileTest.class.getResource("/fixtures/tiny/hf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Gunzips the F32 copy of the tiny checkpoint to {@code target}. */
    public static Path gunzipF32(Path target) throws IOException {
        try (InputStream in = new GZIPInputStream(SafetensorsFileTest.class.getResourceAsStream("/fixtures/tiny/hf/model.f32.safetensors.gz"))) {
            Files.copy(in, target);
        }
        return target;
    }

    @Test
    void bf16AndF32CopiesOfTheTinyModelHoldTheSameValues() throws IOException {
        try (SafetensorsFile bf = SafetensorsFile.open(fixture("model.safetensors"));
                SafetensorsFile f32 = SafetensorsFile.open(gunzipF32(tmp.resolve("f32.safetensors")))) {
            assertEquals(bf.tensors().keySet(), f32.tensors().keySet());
            assertEquals("pt", bf.metadata().get("format"));
            SafetensorsTensor qkv = bf.tensor("vision_model.encoder.layers.0.attn.qkv.weight");
            assertEquals(SafetensorsDType.BF16, qkv.dtype());
            assertArrayEquals(new long[] {192, 64}, qkv.shape());
            assertEquals(SafetensorsDType.F32, f32.tensor(qkv.name()).dtype());
            int checked = 0;
            for (SafetensorsTensor t : bf.tensors().values()) {
                float[] a = t.toFloats();
                float[] b = f32.tensor(t.name()).toFloats();
                assertArrayEquals(b, a, t.name());
                checked += a.length;
            }
            assertTrue(checked > 800_000, "all weights compared: " + checked);
            // a run in the middle of a tensor
            float[] part = new float[10];
            qkv.readFloats(64 * 64 + 3, part, 0, 10);
            assertArrayEquals(java.util.Arrays.copyOfRange(qkv.toFloats(), 64 * 64 + 3, 64 * 64 + 13), part);
        }
    }

    @Test
    void f16AndUnsupportedDtypes() throws IOException {
        ByteBuffer h = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f)).putShort(Float.floatToFloat16(65504f));
        byte[] bytes = new SafetensorsBuilder().add("h", "F16", new long[] {3}, h.array())
                .add("i", "I64", new long[] {1}, new byte[8]).toBytes();
        SafetensorsFile f = SafetensorsFile.parse(MemorySegment.ofArray(bytes), "mem.safetensors");
        assertArrayEquals(new float[] {1.5f, -2f, 65504f}, f.tensor("h").toFloats());
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> f.tensor("i").toFloats());
        assertTrue(e.getMessage().contains("'i'") && e.getMessage().contains("I64") && e.getMessage().contains("mem.safetensors"), e.getMessage());
    }

    @Test
    void shardedCheckpointThroughTheIndex() throws IOException {
        new SafetensorsBuilder().addF32("a", new long[] {2}, 1, 2).write(tmp.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsBuilder().addF32("b", new long[] {1}, 3).addF32("c", new long[] {1}, 4)
                .write(tmp.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(tmp.resolve(SafetensorsCheckpoint.INDEX), """
                {"metadata": {"total_size": 16}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                 "b": "model-00002-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}""");
        assertEquals(java.util.List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"),
                SafetensorsCheckpoint.weightFiles(tmp));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(tmp)) {
            assertEquals(3, c.tensors().size());
            assertArrayEquals(new float[] {1, 2}, c.tensor("a").toFloats());
            assertArrayEquals(new float[] {4}, c.tensor("c").toFloats());
        }
        // stale index: names a tensor the shard does not have
        Files.writeString(tmp.resolve(SafetensorsCheckpoint.INDEX), """
                {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors",
                 "c": "model-00002-of-00002.safetensors", "d": "model-00001-of-00002.safetensors"}}""");
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(tmp));
        assertTrue(e.getMessage().contains("'d'") && e.getMessage().contains("model-00001-of-00002"), e.getMessage());
        // shard tensor missing from the index
        Files.writeString(tmp.resolve(SafetensorsCheckpoint.INDEX), """
                {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}""");
        e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(tmp));
        assertTrue(e.getMessage().contains("'c'"), e.getMessage());
        // missing shard file
        Files.delete(tmp.resolve("model-00002-of-00002.safetensors"));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SafetensorsCheckpoint.open(tmp));
        Files.writeString(tmp.resolve(SafetensorsCheckpoint.INDEX), "{\"weight_map\": 3}");
        e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(tmp));
        assertTrue(e.getMessage().contains("weight_map"), e.getMessage());
    }

    @Test
    void emptyDirectoryIsAClearError() {
        IOException e = assertThrows(IOException.class, () -> SafetensorsCheckpoint.open(tmp));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
