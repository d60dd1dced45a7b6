package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.vlm4j.tensor.WorkerPool;

/** {@link LoadOptions}' checks: each bad value is refused with its name and the accepted range. */
class LoadOptionsTest {

    @Test
    void threadCountsOutsideZeroToTheLimitAreRefused() {
        assertEquals(0, LoadOptions.DEFAULTS.threads());
        assertEquals(WorkerPool.MAX_THREADS, LoadOptions.DEFAULTS.withThreads(WorkerPool.MAX_THREADS).threads());
        for (int bad : new int[] {-1, WorkerPool.MAX_THREADS + 1, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadOptions.DEFAULTS.withThreads(bad));
            assertEquals("threads must be between 0 (all processors) and 512, got " + bad, e.getMessage());
        }
    }

    @Test
    void otherLimitsNameTheirSetting() {
        assertEquals("max tiles must be between 0 (from the model) and 1024, got -2",
                assertThrows(IllegalArgumentException.class, () -> LoadOptions.DEFAULTS.withMaxTiles(-2)).getMessage());
    }
}
