package org.vlm4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Malformed headers give a {@link SafetensorsFormatException} naming the file and the field, never
 * an OOM, a hang or an unchecked crash; random mutations of a valid file either parse (and every
 * tensor is then readable within bounds) or fail with that exception.
 */
class SafetensorsRobustnessTest {
    static final String F = "bad.safetensors";

    static SafetensorsBuilder valid() {
        return new SafetensorsBuilder().addF32("w", new long[] {2, 2}, 1, 2, 3, 4).addF32("b", new long[] {2}, 5, 6);
    }

    static SafetensorsFormatException fails(byte[] bytes) {
        return assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.parse(MemorySegment.ofArray(bytes), F));
    }

    static void failsWith(String header, String... words) {
        SafetensorsFormatException e = fails(valid().assemble(header));
        assertTrue(e.getMessage().startsWith(F + ":"), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' missing in: " + e.getMessage());
        }
    }

    @Test
    void lengthFieldProblems() {
        assertTrue(fails(new byte[5]).getMessage().contains("too short"));
        byte[] ok = valid().toBytes();
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, ok.length); // past EOF
        assertTrue(fails(ok).getMessage().contains("past the end"), fails(ok).getMessage());
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
        assertTrue(fails(ok).getMessage().contains("absurd"));
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -8);
        assertTrue(fails(ok).getMessage().contains("absurd"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}|not valid JSON",
        "[1,2]|not a JSON object",
        "{\"w\":{\"dtype\":\"F31\",\"shape\":[2,2],\"data_offsets\":[0,16]}}|unknown dtype 'F31';'w'",
        "{\"w\":{\"shape\":[2,2],\"data_offsets\":[0,16]}}|'dtype';'w'",
        "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}|'shape'",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,16]}}|shape[1]",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2.5],\"data_offsets\":[0,16]}}|shape[1]",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}|overflows",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0]}}|data_offsets",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,0]}}|ascending",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,4000]}}|past the end of the data section;'w'",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}|need 24;'w'",
        "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}|need 8",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}|overlap;'w';'b'",
        "{\"__metadata__\":{\"format\":1}}|__metadata__.format",
        "{\"w\":3}|'w';not an object",
    })
    void badHeaders(String header, String words) {
        failsWith(header, words.split(";"));
    }

    @Test
    void invalidUtf8() {
        byte[] b = valid().toBytes();
        b[10] = (byte) 0xC3;
        b[11] = (byte) 0x28;
        assertTrue(fails(b).getMessage().contains("UTF-8"));
    }

    @Test
    void randomMutationsNeverCrash() {
        byte[] good = valid().toBytes();
        Random r = new Random(7);
        int parsed = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = good.clone();
            int n = 1 + r.nextInt(4);
            for (int k = 0; k < n; k++) {
                int at = r.nextInt(Math.min(b.length, 8 + 160));
                b[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : "{}[],:\"0123456789-FBIU".charAt(r.nextInt(22)));
            }
            if (r.nextInt(10) == 0) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            try {
                SafetensorsFile f = SafetensorsFile.parse(MemorySegment.ofArray(b), F);
                for (SafetensorsTensor t : f.tensors().values()) {
                    if (t.dtype().isFloat() && t.elementCount() < 1000) {
                        t.toFloats();
                    }
                }
                parsed++;
            } catch (SafetensorsFormatException expected) {
                assertTrue(expected.getMessage().startsWith(F + ":"), expected.getMessage());
            } catch (RuntimeException other) {
                fail("mutation " + i + " threw " + other, other);
            }
        }
        assertTrue(parsed > 0, "some mutations (e.g. of data bytes) must still parse");
    }
}
