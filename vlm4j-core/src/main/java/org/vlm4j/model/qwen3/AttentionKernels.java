package org.vlm4j.model.qwen3;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled f32 kernels for the two products of attention, over one block of keys:
 * scores {@code S = Q . K^T} with the keys stored transposed in tiles of {@link #KEY_TILE}
 * positions (so vector lanes run over key positions and no horizontal reductions are needed), and
 * {@code O += P . V} with values stored by position (lanes over the head dimension). Each loaded
 * key or value vector feeds several query rows, which is what makes long prompts affordable: at 3.5K
 * positions attention is a third of the prefill arithmetic.
 */
final class AttentionKernels {
    private AttentionKernels() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Keys per scores tile (4 vectors). */
    static final int KEY_TILE = 4 * L;

    /**
     * {@code s[r * sStride + sOff + j] = q[r * hd ..] . key_j} for rows {@code r < rows} and keys
     * {@code j < nk} rounded up to a whole {@link #KEY_TILE}, with the keys tiled as the KV cache
     * stores them: dimension {@code d} of key {@code j} at
     * {@code kt[ktOff + ((j / KEY_TILE) * hd + d) * KEY_TILE + j % KEY_TILE]}. {@code kt} and each
     * score row must have room for the whole last tile (its extra scores are not meaningful).
     */
    static void scores(float[] q, int rows, int hd, float[] kt, int ktOff, int nk, float[] s, int sOff, int sStride) {
        int tileSize = hd * KEY_TILE;
        for (int j = 0, ko = ktOff; j < nk; j += KEY_TILE, ko += tileSize) {
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                scores2x4(q, r, hd, kt, ko, KEY_TILE, s, sOff + j, sStride);
            }
            if (r < rows) {
                scores1x4(q, r, hd, kt, ko, KEY_TILE, s, sOff + j, sStride);
            }
        }
    }

    private static void scores2x4(float[] q, int r, int hd, float[] kt, int ko, int ktStride, float[] s, int so, int sStride) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        FloatVector b3 = FloatVector.zero(S);
        int qa = r * hd;
        int qb = qa + hd;
        for (int d = 0; d < hd; d++, ko += ktStride) {
            FloatVector k0 = FloatVector.fromArray(S, kt, ko);
            FloatVector k1 = FloatVector.fromArray(S, kt, ko + L);
            FloatVector k2 = FloatVector.fromArray(S, kt, ko + 2 * L);
            FloatVector k3 = FloatVector.fromArray(S, kt, ko + 3 * L);
            FloatVector x = FloatVector.broadcast(S, q[qa + d]);
            FloatVector y = FloatVector.broadcast(S, q[qb + d]);
            a0 = x.fma(k0, a0);
            a1 = x.fma(k1, a1);
            a2 = x.fma(k2, a2);
            a3 = x.fma(k3, a3);
            b0 = y.fma(k0, b0);
            b1 = y.fma(k1, b1);
            b2 = y.fma(k2, b2);
            b3 = y.fma(k3, b3);
        }
        int o = r * sStride + so;
        a0.intoArray(s, o);
        a1.intoArray(s, o + L);
        a2.intoArray(s, o + 2 * L);
        a3.intoArray(s, o + 3 * L);
        o += sStride;
        b0.intoArray(s, o);
        b1.intoArray(s, o + L);
        b2.intoArray(s, o + 2 * L);
        b3.intoArray(s, o + 3 * L);
    }

    private static void scores1x4(float[] q, int r, int hd, float[] kt, int ko, int ktStride, float[] s, int so, int sStride) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        int qa = r * hd;
        for (int d = 0; d < hd; d++, ko += ktStride) {
            FloatVector x = FloatVector.broadcast(S, q[qa + d]);
            a0 = x.fma(FloatVector.fromArray(S, kt, ko), a0);
            a1 = x.fma(FloatVector.fromArray(S, kt, ko + L), a1);
            a2 = x.fma(FloatVector.fromArray(S, kt, ko + 2 * L), a2);
            a3 = x.fma(FloatVector.fromArray(S, kt, ko + 3 * L), a3);
        }
        int o = r * sStride + so;
        a0.intoArray(s, o);
        a1.intoArray(s, o + L);
        a2.intoArray(s, o + 2 * L);
        a3.intoArray(s, o + 3 * L);
    }

    /**
     * {@code o[r * hd + d] += sum_j p[r * pStride + pOff + j] * v[vOff + j * vStride + d]} for rows
     * {@code r < rows}, keys {@code j < nk} and {@code d < hd}.
     */
    static void accumulate(float[] p, int pOff, int pStride, int rows, int nk, float[] v, int vOff, int vStride,
            float[] o, int hd) {
        int d = 0;
        for (; d + 2 * L <= hd; d += 2 * L) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                accumulate4x2(p, pOff, pStride, r, nk, v, vOff + d, vStride, o, r * hd + d, hd);
            }
            for (; r < rows; r++) {
                FloatVector a0 = FloatVector.fromArray(S, o, r * hd + d);
                FloatVector a1 = FloatVector.fromArray(S, o, r * hd + d + L);
                int po = r * pStride + pOff;
                int vo = vOff + d;
                for (int j = 0; j < nk; j++, vo += vStride) {
                    FloatVector x = FloatVector.broadcast(S, p[po + j]);
                    a0 = x.fma(FloatVector.fromArray(S, v, vo), a0);
                    a1 = x.fma(FloatVector.fromArray(S, v, vo + L), a1);
                }
                a0.intoArray(o, r * hd + d);
                a1.intoArray(o, r * hd + d + L);
            }
        }
        for (; d < hd; d++) { // head dimensions that are not a multiple of 2 vectors
            for (int r = 0; r < rows; r++) {
                float a = o[r * hd + d];
                int po = r * pStride + pOff;
                for (int j = 0; j < nk; j++) {
                    a += p[po + j] * v[vOff + j * vStride + d];
                }
                o[r * hd + d] = a;
            }
        }
    }

    private static void accumulate4x2(float[] p, int pOff, int pStride, int r, int nk, float[] v, int vo, int vStride,
            float[] o, int oo, int hd) {
        FloatVector a0 = FloatVector.fromArray(S, o, oo);
        FloatVector a1 = FloatVector.fromArray(S, o, oo + L);
        FloatVector b0 = FloatVector.fromArray(S, o, oo + hd);
        FloatVector b1 = FloatVector.fromArray(S, o, oo + hd + L);
        FloatVector c0 = FloatVector.fromArray(S, o, oo + 2 * hd);
        FloatVector c1 = FloatVector.fromArray(S, o, oo + 2 * hd + L);
        FloatVector e0 = FloatVector.fromArray(S, o, oo + 3 * hd);
        FloatVector e1 = FloatVector.fromArray(S, o, oo + 3 * hd + L);
        int pa = r * pStride + pOff;
        int pb = pa + pStride;
        int pc = pb + pStride;
        int pe = pc + pStride;
        for (int j = 0; j < nk; j++, vo += vStride) {
            FloatVector v0 = FloatVector.fromArray(S, v, vo);
            FloatVector v1 = FloatVector.fromArray(S, v, vo + L);
            FloatVector x = FloatVector.broadcast(S, p[pa + j]);
            a0 = x.fma(v0, a0);
            a1 = x.fma(v1, a1);
            x = FloatVector.broadcast(S, p[pb + j]);
            b0 = x.fma(v0, b0);
            b1 = x.fma(v1, b1);
            x = FloatVector.broadcast(S, p[pc + j]);
            c0 = x.fma(v0, c0);
            c1 = x.fma(v1, c1);
            x = FloatVector.broadcast(S, p[pe + j]);
            e0 = x.fma(v0, e0);
            e1 = x.fma(v1, e1);
        }
        a0.intoArray(o, oo);
        a1.intoArray(o, oo + L);
        b0.intoArray(o, oo + hd);
        b1.intoArray(o, oo + hd + L);
        c0.intoArray(o, oo + 2 * hd);
        c1.intoArray(o, oo + 2 * hd + L);
        e0.intoArray(o, oo + 3 * hd);
        e1.intoArray(o, oo + 3 * hd + L);
    }
}
