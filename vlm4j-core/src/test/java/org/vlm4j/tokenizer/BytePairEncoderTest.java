package org.vlm4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The two merge strategies must agree exactly, including on long pieces and rank ties. */
class BytePairEncoderTest {
    private final BytePairEncoder bpe = TokenizerFixtures.real().bytePairEncoder();

    private int[] initial(byte[] bytes) {
        Tokenizer tok = TokenizerFixtures.real();
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = tok.tokenId(String.valueOf(ByteLevel.charOf(bytes[i])));
        }
        return ids;
    }

    @Test
    void scanAndQueueAgreeOnRandomPieces() {
        Random r = new Random(3);
        String[] alphabet = {"a", "b", "e", "t", "h", " ", "in", "the", "er", "人", "工", "😀", "é", "0", "\n", "!"};
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 2 + r.nextInt(r.nextBoolean() ? 10 : 80);
            for (int k = 0; k < n; k++) {
                sb.append(alphabet[r.nextInt(alphabet.length)]);
            }
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            int[] scan = bpe.mergeByScan(initial(bytes));
            int[] queue = bpe.mergeByQueue(initial(bytes));
            assertArrayEquals(scan, queue, sb.toString());
        }
    }

    @Test
    void longRunsAndTies() {
        for (String s : new String[] {"a".repeat(1000), " ".repeat(777), "ab".repeat(301), "人".repeat(400),
            "!".repeat(64), "=".repeat(50)}) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            int[] queue = bpe.mergeByQueue(initial(bytes));
            assertArrayEquals(bpe.mergeByScan(initial(bytes)), queue, s.substring(0, 8));
            assertEquals(s, TokenizerFixtures.real().decode(queue));
        }
        // Reference behaviour from the goldens: 32 'a' -> four 'aaaaaaaa' (leftmost merge first)
        int eight = TokenizerFixtures.real().tokenId("aaaaaaaa");
        int[] ids = bpe.encodeBytes("a".repeat(32).getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new int[] {eight, eight, eight, eight}, ids);
    }

    @Test
    void singleBytesAndEmpty() {
        assertArrayEquals(new int[0], bpe.encodeBytes(new byte[0]));
        for (int b = 0; b < 256; b++) {
            int[] ids = bpe.encodeBytes(new byte[] {(byte) b});
            assertEquals(1, ids.length);
            assertArrayEquals(new byte[] {(byte) b}, TokenizerFixtures.real().tokenBytes(ids[0]), "byte " + b);
        }
    }

    @Test
    void mergeTableLookups() {
        MergeTable t = new MergeTable(new int[] {1, 2, 1}, new int[] {2, 3, 2}, new int[] {10, 11, 12});
        assertEquals(2, t.rank(1, 2), "a pair listed twice keeps its last rank");
        assertEquals(1, t.rank(2, 3));
        assertEquals(MergeTable.NONE, t.rank(2, 1));
        assertEquals(MergeTable.NONE, t.rank(0, 0));
        assertEquals(12, t.result(2));
        assertEquals(3, t.size());
        assertEquals(MergeTable.NONE, new MergeTable(new int[0], new int[0], new int[0]).rank(5, 6));
    }
}
