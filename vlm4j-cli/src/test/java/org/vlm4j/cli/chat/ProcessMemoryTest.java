package org.vlm4j.cli.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code /stats} memory: the VmRSS line of /proc/self/status, and the fallback. */
class ProcessMemoryTest {
    @Test
    void vmRssParsing() {
        assertEquals(123456L * 1024, ProcessMemory.parseVmRss(List.of("Name:\tjava", "VmRSS:\t  123456 kB", "VmSwap: 0 kB")).getAsLong());
        assertTrue(ProcessMemory.parseVmRss(List.of("Name:\tjava")).isEmpty());
        assertTrue(ProcessMemory.parseVmRss(List.of("VmRSS: lots kB")).isEmpty());
        assertTrue(ProcessMemory.parseVmRss(List.of()).isEmpty());
    }

    @Test
    void describeNamesRssAndHeap() {
        String d = ProcessMemory.describe();
        boolean linux = java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status"));
        assertTrue(d.startsWith(linux ? "RSS " : "RSS not available"), d);
        assertTrue(d.contains("; Java heap ") && d.contains(" used of "), d);
        if (linux) {
            assertTrue(ProcessMemory.residentBytes().getAsLong() > 1 << 20, "a JVM uses more than 1 MiB");
        }
    }
}
