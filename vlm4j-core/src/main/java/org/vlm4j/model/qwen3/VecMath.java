package org.vlm4j.model.qwen3;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** A vectorised residual add (the shared {@code tensor.Ops} version is a scalar reference). */
final class VecMath {
    private VecMath() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** {@code y[yOff..+n) += x[xOff..+n)}. */
    static void add(float[] y, int yOff, float[] x, int xOff, int n) {
        int i = 0;
        int bound = n - L;
        for (; i <= bound; i += L) {
            FloatVector.fromArray(S, y, yOff + i).add(FloatVector.fromArray(S, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }
}
