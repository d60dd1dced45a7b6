package org.vlm4j.cli.chat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.vlm4j.cli.Text;

/**
 * The memory the process uses, for {@code /stats}: resident set size from {@code /proc/self/status}
 * (Linux; weights are memory-mapped, so they count as they are touched) and the Java heap.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /** Resident set size in bytes, or empty where {@code /proc/self/status} is not available. */
    public static OptionalLong residentBytes() {
        try {
            return parseVmRss(Files.readAllLines(STATUS));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The {@code VmRSS:  123456 kB} line of a status file, in bytes. */
    static OptionalLong parseVmRss(List<String> lines) {
        for (String line : lines) {
            if (!line.startsWith("VmRSS:")) {
                continue;
            }
            String[] parts = line.substring(6).trim().split("\\s+");
            try {
                long v = Long.parseLong(parts[0]);
                long unit = parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? 1024 : parts.length > 1 && parts[1].equalsIgnoreCase("mB") ? 1 << 20 : 1;
                return OptionalLong.of(v * unit);
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /** "RSS 512.0 MiB; Java heap 100.0 MiB used of 2.0 GiB". */
    public static String describe() {
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        OptionalLong rss = residentBytes();
        String r = rss.isPresent() ? "RSS " + Text.bytes(rss.getAsLong()) : "RSS not available on this system";
        return r + "; Java heap " + Text.bytes(heapUsed) + " used of " + Text.bytes(rt.maxMemory());
    }
}
