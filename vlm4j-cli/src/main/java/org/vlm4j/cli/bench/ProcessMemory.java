package org.vlm4j.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Resident memory of this process as the kernel counts it, for the benchmark's "peak RSS" line.
 *
 * <p>Weights are memory-mapped and the KV cache lives in native memory, so neither
 * {@code Runtime.totalMemory()} nor any JMX bean tells what the model really costs; the kernel's
 * high-water mark does ({@code VmHWM} in {@code /proc/self/status}, Linux only). On other systems the
 * values are absent and the report says so instead of guessing.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /** Peak resident set size in bytes ({@code VmHWM}), or empty where the OS does not report it. */
    public static OptionalLong peakRssBytes() {
        return field(STATUS, "VmHWM:");
    }

    /** Current resident set size in bytes ({@code VmRSS}), or empty where the OS does not report it. */
    public static OptionalLong currentRssBytes() {
        return field(STATUS, "VmRSS:");
    }

    /** The {@code kB} value of {@code key} in a {@code /proc/PID/status}-style file, in bytes. */
    static OptionalLong field(Path status, String key) {
        if (!Files.isReadable(status)) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith(key)) {
                    return parseKb(line.substring(key.length()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable or unexpected status file means "not reported", not a failed benchmark
        }
        return OptionalLong.empty();
    }

    /** Parses {@code "   123456 kB"} into bytes. */
    static OptionalLong parseKb(String value) {
        String v = value.strip();
        if (!v.endsWith("kB")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.substring(0, v.length() - 2).strip()) * 1024L);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
