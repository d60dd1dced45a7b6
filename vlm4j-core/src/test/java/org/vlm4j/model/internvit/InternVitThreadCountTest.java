package org.vlm4j.model.internvit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vlm4j.model.internvit.VisionFixtures.mmproj;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vlm4j.tensor.WorkerPool;

/**
 * A picture's image rows do not depend on the thread count, to the bit: the encoder's products,
 * attention and projector split their work by the thread count, but every value is computed by
 * the same kernel in the same order whichever chunk it falls in. Checked to fail: with the GEMM's
 * token ranges not rounded to whole 4-token tiles and its one-token kernel summing in reverse, 2
 * threads differed from 1 thread at the first value.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InternVitThreadCountTest {
    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16"})
    void imageRowsAreTheSameWithAnyThreadCount(String variant) throws IOException {
        float[] pixels = VisionFixtures.floats("img448.pixels.f32.gz");
        try (InternVitModel m = InternVitModel.load(mmproj(variant))) {
            float[] one = encode(m, pixels, 1);
            for (int threads : new int[] {2, 3, 5}) {
                float[] other = encode(m, pixels, threads);
                assertEquals(one.length, other.length);
                int first = -1;
                for (int i = 0; i < one.length && first < 0; i++) {
                    if (Float.floatToRawIntBits(one[i]) != Float.floatToRawIntBits(other[i])) {
                        first = i;
                    }
                }
                assertEquals(-1, first, variant + ": with " + threads + " threads the image rows differ from 1 thread's, first at "
                        + first + (first < 0 ? "" : " (" + one[first] + " against " + other[first] + ")"));
            }
            assertEquals(false, Arrays.equals(one, new float[one.length]), "the encoder produced zeros");
        }
    }

    private static float[] encode(InternVitModel m, float[] pixels, int threads) {
        try (WorkerPool pool = WorkerPool.create(threads)) {
            return m.newEncoder(pool).encode(pixels, 1);
        }
    }
}
