package org.vlm4j.model.internvit;

/**
 * InternVL's pixel shuffle ({@code ps_version "v2"}): merges each {@code s x s} neighbourhood of
 * patch vectors into one token, cutting the token count by {@code s^2} before the projector.
 *
 * <p>The reference is a sequence of {@code view}/{@code permute} calls on a
 * {@code (rows, cols, C)} tensor (spec section 4). Worked through, it is the index map
 * <pre>
 *   out[R * (G/s) + Col][(i * s + j) * C + k] = in[(s*R + i) * G + (s*Col + j)][k]
 * </pre>
 * for output grid position (R, Col), neighbour offsets i (row), j (column) in {@code [0, s)} and
 * channel k: with s = 2 the four patches top-left, top-right, bottom-left, bottom-right are
 * concatenated. The unit test checks this formula against a literal port of the view/permute code.
 */
final class PixelShuffle {
    private PixelShuffle() {}

    /**
     * @param in patch vectors {@code [G*G][C]}, row-major over the patch grid, starting at {@code inOff}
     * @param grid patch grid side G
     * @param width channels C
     * @param s shuffle factor (G must be a multiple of it)
     * @param out {@code [(G/s)^2][s*s*C]}, starting at {@code outOff}
     */
    static void shuffle(float[] in, int inOff, int grid, int width, int s, float[] out, int outOff) {
        if (grid % s != 0) {
            throw new IllegalArgumentException("grid " + grid + " is not a multiple of " + s);
        }
        int g2 = grid / s;
        int tokenWidth = s * s * width;
        for (int r = 0; r < g2; r++) {
            for (int c = 0; c < g2; c++) {
                int dst = outOff + (r * g2 + c) * tokenWidth;
                for (int i = 0; i < s; i++) {
                    for (int j = 0; j < s; j++) {
                        int patch = (s * r + i) * grid + (s * c + j);
                        System.arraycopy(in, inOff + patch * width, out, dst + (i * s + j) * width, width);
                    }
                }
            }
        }
    }
}
