package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The guided chunk boundaries of {@link FusedMatVec}: a partition of the rows, large chunks first. */
class FusedMatVecTest {

    @Test
    void guidedBoundsPartitionTheRowsWithShrinkingChunks() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            for (int rows : new int[] {1, 15, 16, 31, 32, 33, 1024, 2048 + 256, 3072, 151_936}) {
                int[] b = FusedMatVec.guidedBounds(rows, threads);
                String what = rows + " rows, " + threads + " threads";
                assertEquals(0, b[0], what);
                assertEquals(rows, b[b.length - 1], what);
                for (int c = 0; c + 1 < b.length; c++) {
                    int size = b[c + 1] - b[c];
                    assertTrue(size > 0, what + ": empty chunk " + c);
                    if (c + 2 < b.length) {
                        assertEquals(0, size % 16, what + ": chunk " + c + " is not a multiple of 16 rows");
                        assertTrue(size >= 32, what + ": chunk " + c + " has only " + size + " rows");
                        assertTrue(size >= b[c + 2] - b[c + 1], what + ": chunk " + (c + 1) + " is larger than chunk " + c);
                    }
                }
                if (threads == 1) {
                    assertEquals(2, b.length, what + ": one thread takes one chunk");
                } else if (rows >= 1024) {
                    // no chunk is more than 1/(2 threads) of the rows (rounded up to 16), and the tail is small
                    assertTrue(b[1] <= (rows / (2 * threads) + 15) / 16 * 16, what + ": first chunk " + b[1]);
                    assertTrue(b[b.length - 1] - b[b.length - 2] <= 32, what + ": last chunk");
                }
            }
        }
    }
}
