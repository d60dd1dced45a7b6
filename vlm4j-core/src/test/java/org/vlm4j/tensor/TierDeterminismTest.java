package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vectorised kernels give the same bits before C2 compiles them (the Vector API's Java
 * fallback) as after (its intrinsics). Which calls run before compilation depends on the JIT's
 * timing, so a difference here made greedy decoding of one prompt answer differently from run to
 * run ({@code reduceLanes(ADD)} and {@code lanewise(EXP)} did). {@link TierProbe} runs in a child
 * JVM without tiered compilation and with a low threshold, so that C2 compiles the kernels within
 * a few hundred rounds; the compilation log must show that it did, or the comparison proves
 * nothing.
 */
class TierDeterminismTest {

    @Test
    void kernelsGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:-TieredCompilation", "-XX:CompileThreshold=100", "-Xbatch", "-XX:+PrintCompilation"));
        // the vector width this suite runs with (e.g. -XX:MaxVectorSize=16 for 128-bit vectors)
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:MaxVectorSize=") || arg.startsWith("-Dvlm4j.vector.bits=")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-cp", cp, TierProbe.class.getName(), "400"));
        Path log = Files.createTempFile("vlm4j-tier", ".txt");
        Path result = Files.createTempFile("vlm4j-tier", ".txt");
        cmd.add(result.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("child JVM timed out: " + cmd);
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            check(out, Files.readString(result, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(result);
        }
    }

    private static void check(String compileLog, String out) {
        Map<String, String> cold = new TreeMap<>();
        Map<String, String> hot = new TreeMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 3 && f[0].equals("cold")) {
                cold.put(f[1], f[2]);
            } else if (f.length == 3 && f[0].equals("hot")) {
                hot.put(f[1], f[2]);
            }
        }
        assertTrue(cold.size() >= 20 && hot.size() == cold.size(), out);
        // the kernels whose fallback and intrinsic used to differ were compiled by C2
        for (String kernel : List.of("QuantVectors::dotQ8Int4", "QuantVectors::dotQ4Int4", "QuantVectors::dotQ8Float",
                "FloatTypeVectors::dotF16x4", "FloatTypeVectors::dotBF16x4", "FloatTypeVectors::dotF32",
                "VectorOps::expShifted", "VectorOps::swiglu", "VectorOps::geluErf", "VectorOps::rmsNorm")) {
            assertTrue(compileLog.contains("org.vlm4j.tensor." + kernel + " "), kernel + " was not compiled by C2 in the child JVM");
        }
        assertEquals(cold, hot, "output bits before and after compilation");
    }
}
