package org.vlm4j.tensor;

/**
 * Decides once per JVM whether the kernels use the Vector API and at which width.
 *
 * <p>This class deliberately has no reference to {@code jdk.incubator.vector}: if the JVM was
 * started without {@code --add-modules jdk.incubator.vector} the kernels fall back to their scalar
 * references instead of failing with {@code NoClassDefFoundError}. Vector code lives in
 * classes that are only loaded when {@link #ENABLED} is true.
 *
 * <p>Width: the system property {@code vlm4j.vector.bits} ({@code 0} = scalar, {@code 128},
 * {@code 256}, {@code 512}); by default the preferred species of the CPU, rounded down to one of
 * 128/256/512 (wider SVE vectors use 512, narrower than 128 means scalar).
 */
final class Simd {
    private Simd() {}

    /** Float vector width in bits, or 0 for scalar kernels. */
    static final int BITS;
    /** Whether vector kernels are in use. */
    static final boolean ENABLED;
    /** Human-readable reason when the width differs from the preferred width (or ""). */
    static final String NOTE;
    /** The CPU's preferred width in bits (0 if the Vector API is unavailable). */
    static final int PREFERRED_BITS;

    static {
        int preferred = 0;
        String note = "";
        try {
            preferred = VectorProbe.preferredBits();
        } catch (Throwable t) { // NoClassDefFoundError without --add-modules jdk.incubator.vector
            note = "Vector API unavailable (" + t.getClass().getSimpleName() + "; start the JVM with --add-modules jdk.incubator.vector)";
        }
        int bits = round(preferred);
        String prop = System.getProperty("vlm4j.vector.bits");
        if (prop != null && !prop.isBlank() && preferred > 0) {
            int want;
            try {
                want = Integer.parseInt(prop.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("system property vlm4j.vector.bits must be 0, 128, 256 or 512, got '" + prop + "'");
            }
            if (want != 0 && want != 128 && want != 256 && want != 512) {
                throw new IllegalArgumentException("system property vlm4j.vector.bits must be 0, 128, 256 or 512, got '" + prop + "'");
            }
            bits = want;
            note = want == 0 ? "scalar forced by vlm4j.vector.bits=0" : "width forced by vlm4j.vector.bits=" + want;
        } else if (preferred > 0 && bits == 0) {
            note = "preferred vector width " + preferred + " bits is below 128: scalar kernels";
        }
        PREFERRED_BITS = preferred;
        BITS = bits;
        ENABLED = bits > 0;
        NOTE = note;
    }

    private static int round(int preferred) {
        if (preferred >= 512) {
            return 512;
        }
        if (preferred >= 256) {
            return 256;
        }
        if (preferred >= 128) {
            return 128;
        }
        return 0;
    }

    /** Floats per vector (1 when scalar). */
    static int floatLanes() {
        return ENABLED ? BITS / 32 : 1;
    }
}
