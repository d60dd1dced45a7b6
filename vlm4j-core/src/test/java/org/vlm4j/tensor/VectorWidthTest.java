package org.vlm4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kernels at vector widths other than this machine's, and without the Vector API, each in a
 * child JVM (the width is fixed per JVM): 128 bits (ARM NEON), 512 bits (AVX-512; on a CPU
 * without it the Vector API runs its slow pure-Java fallback, which must still be correct),
 * scalar, and no {@code jdk.incubator.vector} module at all.
 */
class VectorWidthTest {

    private static String run(boolean vectorModule, String... props) throws IOException, InterruptedException {
        return run(vectorModule, List.of(), props);
    }

    private static String run(boolean vectorModule, List<String> args, String... props) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (vectorModule) {
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
        }
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1"); // these checks are tiny: skip C2, start faster
        cmd.addAll(List.of(props));
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(KernelSelfCheck.class.getName());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out: " + cmd);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("SELF-CHECK OK"), out);
        return out;
    }

    @Test
    void width128() throws Exception {
        String out = run(true, List.of("warm-up"), "-Dvlm4j.vector.bits=128");
        assertTrue(out.contains("Vector API 128-bit (4 floats"), out);
        assertTrue(out.contains("warm-up done"), out);
    }

    @Test
    void width512() throws Exception {
        String out = run(true, "-Dvlm4j.vector.bits=512");
        assertTrue(out.contains("Vector API 512-bit (16 floats"), out);
    }

    @Test
    void scalarForced() throws Exception {
        String out = run(true, "-Dvlm4j.vector.bits=0", "-Dvlm4j.q8.dot=int8");
        assertTrue(out.contains("kernels: scalar"), out);
        assertTrue(out.contains("Q8_0 int8"), out);
    }

    @Test
    void withoutTheIncubatorModule() throws Exception {
        String out = run(false);
        assertTrue(out.contains("kernels: scalar [Vector API unavailable"), out);
        assertTrue(out.contains("Q8_0 float"), out);
    }
}
