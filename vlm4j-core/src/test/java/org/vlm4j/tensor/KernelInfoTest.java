package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vlm4j.gguf.GgmlType;

class KernelInfoTest {

    @Test
    void describesWidthPathsAndThreads() {
        try (WorkerPool pool = WorkerPool.create(3)) {
            String d = KernelInfo.describe(pool);
            assertTrue(d.startsWith("kernels: "), d);
            assertTrue(d.endsWith("; threads 3"), d);
            if (KernelInfo.vectorized()) {
                assertTrue(d.contains("Vector API " + KernelInfo.vectorBits() + "-bit (" + KernelInfo.vectorBits() / 32 + " floats"), d);
            } else {
                assertTrue(d.contains("scalar"), d);
            }
            assertTrue(d.contains("Q8_0 " + KernelInfo.quantizedDot(GgmlType.Q8_0).name().toLowerCase()), d);
        }
    }

    @Test
    void onlyQ8AndQ4HaveAnInt8Path() {
        assertEquals(KernelInfo.QuantizedDot.FLOAT, KernelInfo.quantizedDot(GgmlType.F16));
        assertEquals(KernelInfo.QuantizedDot.FLOAT, KernelInfo.quantizedDot(GgmlType.BF16));
        if (System.getProperty("vlm4j.q8.dot") == null) {
            // the documented default: int8 with vector kernels, float without
            KernelInfo.QuantizedDot want = KernelInfo.vectorized() ? KernelInfo.QuantizedDot.INT8 : KernelInfo.QuantizedDot.FLOAT;
            assertEquals(want, KernelInfo.quantizedDot(GgmlType.Q8_0));
            assertEquals(want, KernelInfo.quantizedDot(GgmlType.Q4_0));
        }
        assertTrue(KernelInfo.quantizedDotReason(GgmlType.Q8_0).length() > 10);
        assertTrue(KernelInfo.vectorBits() == 0 || KernelInfo.vectorBits() >= 128);
    }
}
