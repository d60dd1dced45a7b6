package org.vlm4j.tensor;

import jdk.incubator.vector.FloatVector;

/** Isolates the first touch of the Vector API so that {@link Simd} can catch its absence. */
final class VectorProbe {
    private VectorProbe() {}

    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
