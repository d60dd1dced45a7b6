package org.vlm4j.cli.bench;

import java.lang.reflect.Method;
import org.vlm4j.tensor.WorkerPool;

/**
 * Facts about the machine and JVM that a benchmark result depends on: the SIMD width the Vector API
 * picks, the kernels in use, the JDK. Printed with every result so that numbers from different
 * machines or builds are not compared blindly.
 */
public final class Platform {
    private Platform() {}

    /**
     * {@code FloatVector.SPECIES_PREFERRED.vectorBitSize()}: the vector width the CPU offers the
     * Vector API (256 on AVX2, 512 on AVX-512), or 0 when the {@code jdk.incubator.vector} module is
     * not loaded (the JVM was started without {@code --add-modules jdk.incubator.vector}).
     */
    public static int preferredVectorBits() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return 0;
        }
        try {
            return VectorProbe.bits();
        } catch (LinkageError e) {
            return 0;
        }
    }

    /**
     * The kernels' own one-line description ({@code org.vlm4j.tensor.KernelInfo.describe(pool)}) when
     * this build has it, else null. Looked up reflectively so the command also builds against a core
     * without {@code KernelInfo}; once that class is everywhere this can become a direct call.
     */
    public static String kernelDescription(WorkerPool pool) {
        try {
            Class<?> info = Class.forName("org.vlm4j.tensor.KernelInfo");
            Method describe = info.getMethod("describe", WorkerPool.class);
            Object s = describe.invoke(null, pool);
            return s == null ? null : s.toString();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** {@code "25.0.1+8-LTS (Eclipse Adoptium OpenJDK 64-Bit Server VM)"}. */
    public static String jvm() {
        return Runtime.version() + " (" + System.getProperty("java.vm.vendor", "?") + " "
                + System.getProperty("java.vm.name", "?") + ")";
    }

    /** {@code "Linux amd64"}. */
    public static String os() {
        return System.getProperty("os.name", "?") + " " + System.getProperty("os.arch", "?");
    }

    /** Kept in its own class so that a missing vector module fails here, inside the guarded call. */
    private static final class VectorProbe {
        static int bits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
