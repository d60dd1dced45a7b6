package org.vlm4j.model.internvit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFormatException;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.tensor.WeightMatrix;

/**
 * The tensors of an InternVL mmproj file, checked against the configuration. Large matrices stay
 * zero-copy views of the mapped file ({@link WeightMatrix}); vectors (biases, norms, layer scales,
 * class and position embeddings) are dequantized to f32 once, because they are read per token.
 *
 * <p>Names and GGML shapes ({@code ne}, innermost first) follow the llama.cpp converter (spec 13.2).
 * A missing tensor or a wrong shape fails with a {@link GgufFormatException} naming the tensor.
 */
final class InternVitWeights {
    static final String PATCH = "v.patch_embd";
    static final String CLASS = "v.class_embd";
    static final String POSITION = "v.position_embd.weight";
    static final String MLP0 = "mm.model.mlp.0";
    static final String MLP1 = "mm.model.mlp.1";
    static final String MLP3 = "mm.model.mlp.3";

    /** One encoder layer. Matrices are {@code [out][in]}. */
    record Layer(float[] ln1Weight, float[] ln1Bias,
            WeightMatrix q, float[] qBias, WeightMatrix k, float[] kBias, WeightMatrix v, float[] vBias,
            WeightMatrix out, float[] outBias, float[] ls1,
            float[] ln2Weight, float[] ln2Bias,
            WeightMatrix up, float[] upBias, WeightMatrix down, float[] downBias, float[] ls2) {
        /** q, k and v, for one fused product. */
        WeightMatrix[] qkv() {
            return new WeightMatrix[] {q, k, v};
        }
    }

    final InternVitConfig config;
    /** Patch embedding as a {@code [C][3 * p * p]} matrix, columns in (channel, y, x) order. */
    final WeightMatrix patchWeight;
    final float[] patchBias;
    final float[] classEmbedding;
    /** {@code [1 + patches][C]}; row 0 belongs to the CLS token. */
    final float[] positionEmbedding;
    final Layer[] layers;
    final float[] projNormWeight;
    final float[] projNormBias;
    final WeightMatrix proj1;
    final float[] proj1Bias;
    final WeightMatrix proj3;
    final float[] proj3Bias;

    InternVitWeights(InternVitConfig config, WeightMatrix patchWeight, float[] patchBias, float[] classEmbedding,
            float[] positionEmbedding, Layer[] layers, float[] projNormWeight, float[] projNormBias,
            WeightMatrix proj1, float[] proj1Bias, WeightMatrix proj3, float[] proj3Bias) {
        this.config = config;
        this.patchWeight = patchWeight;
        this.patchBias = patchBias;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.layers = layers;
        this.projNormWeight = projNormWeight;
        this.projNormBias = projNormBias;
        this.proj1 = proj1;
        this.proj1Bias = proj1Bias;
        this.proj3 = proj3;
        this.proj3Bias = proj3Bias;
        checkSizes();
    }

    /** Sanity check of in-memory sizes (also guards weights built by hand, e.g. in benchmarks). */
    private void checkSizes() {
        InternVitConfig c = config;
        int h = c.hiddenSize();
        checkMatrix(patchWeight, h, c.patchVectorSize());
        checkVector("patch bias", patchBias, h);
        checkVector("class embedding", classEmbedding, h);
        checkVector("position embedding", positionEmbedding, c.sequenceLength() * h);
        if (layers.length != c.layers()) {
            throw new IllegalArgumentException(layers.length + " layers, config says " + c.layers());
        }
        for (Layer l : layers) {
            checkMatrix(l.q, h, h);
            checkMatrix(l.k, h, h);
            checkMatrix(l.v, h, h);
            checkMatrix(l.out, h, h);
            checkMatrix(l.up, c.intermediateSize(), h);
            checkMatrix(l.down, h, c.intermediateSize());
        }
        checkMatrix(proj1, c.projectionDim(), c.shuffledWidth());
        checkMatrix(proj3, c.projectionDim(), c.projectionDim());
    }

    private static void checkMatrix(WeightMatrix w, int rows, int cols) {
        if (w.rows() != rows || w.cols() != cols) {
            throw new IllegalArgumentException(w.name() + " is " + w.rows() + "x" + w.cols() + ", expected " + rows + "x" + cols);
        }
    }

    private static void checkVector(String what, float[] v, int n) {
        if (v.length != n) {
            throw new IllegalArgumentException(what + " has " + v.length + " values, expected " + n);
        }
    }

    /**
     * Loads and checks every tensor of an InternVL mmproj file.
     *
     * @throws GgufFormatException naming the tensor that is missing, mis-shaped or of an unusable type
     */
    static InternVitWeights load(GgufFile file, InternVitConfig c) {
        Reader r = new Reader(file);
        int h = c.hiddenSize();
        int f = c.intermediateSize();
        int p = c.patchSize();
        r.rejectUnsupported();
        WeightMatrix patch = r.matrix(PATCH + ".weight", new long[] {p, p, 3, h}, h, c.patchVectorSize());
        float[] patchBias = r.vector(PATCH + ".bias", h);
        float[] cls = r.vector(CLASS, h);
        float[] pos = r.floats(POSITION, new long[] {h, c.sequenceLength()});
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String b = "v.blk." + i + ".";
            layers[i] = new Layer(
                    r.vector(b + "ln1.weight", h), r.vector(b + "ln1.bias", h),
                    r.linear(b + "attn_q", h, h), r.vector(b + "attn_q.bias", h),
                    r.linear(b + "attn_k", h, h), r.vector(b + "attn_k.bias", h),
                    r.linear(b + "attn_v", h, h), r.vector(b + "attn_v.bias", h),
                    r.linear(b + "attn_out", h, h), r.vector(b + "attn_out.bias", h),
                    r.vector(b + "ls1.weight", h),
                    r.vector(b + "ln2.weight", h), r.vector(b + "ln2.bias", h),
                    r.linear(b + "ffn_up", h, f), r.vector(b + "ffn_up.bias", f),
                    r.linear(b + "ffn_down", f, h), r.vector(b + "ffn_down.bias", h),
                    r.vector(b + "ls2.weight", h));
        }
        int sw = c.shuffledWidth();
        int d = c.projectionDim();
        if (file.hasTensor("v.blk." + c.layers() + ".ln1.weight")) {
            throw new GgufFormatException(file.path() + ": the file has more encoder layers than clip.vision.block_count = "
                    + c.layers() + " (found 'v.blk." + c.layers() + ".ln1.weight')");
        }
        return new InternVitWeights(c, patch, patchBias, cls, pos, layers,
                r.vector(MLP0 + ".weight", sw), r.vector(MLP0 + ".bias", sw),
                r.linear(MLP1, sw, d), r.vector(MLP1 + ".bias", d),
                r.linear(MLP3, d, d), r.vector(MLP3 + ".bias", d));
    }

    /** Tensor lookup with shape and type checks. */
    private static final class Reader {
        private final GgufFile file;
        private final String src;

        Reader(GgufFile file) {
            this.file = file;
            this.src = file.path().toString();
        }

        /** Features of other InternViT variants (6B: RMSNorm + qk-norm) that this encoder does not implement. */
        void rejectUnsupported() {
            List<String> found = new ArrayList<>();
            for (GgufTensorInfo t : file.tensors()) {
                String n = t.name();
                if (n.contains("attn_q_norm") || n.contains("attn_k_norm")) {
                    found.add(n);
                }
            }
            if (!found.isEmpty()) {
                throw new GgufFormatException(src + ": tensor '" + found.get(0)
                        + "': query/key normalisation (InternViT-6B style) is not supported; only InternViT-300M-style encoders are");
            }
        }

        GgufTensorInfo require(String name, long[] ne) {
            GgufTensorInfo t = file.tensor(name);
            if (t == null) {
                throw new GgufFormatException(src + ": required tensor '" + name + "' is missing (not an InternVL mmproj, or a truncated conversion)");
            }
            if (!Arrays.equals(trim(t.shape()), trim(ne))) {
                throw new GgufFormatException(src + ": tensor '" + name + "' has shape ne=" + t.shapeString()
                        + ", expected ne=" + Arrays.toString(trim(ne)));
            }
            if (!t.type().isComputable()) {
                throw new GgufFormatException(src + ": tensor '" + name + "' has type " + t.type()
                        + ", which vlm4j cannot compute with (supported: F32, F16, BF16, Q8_0, Q4_0)");
            }
            return t;
        }

        /** A linear layer's weight {@code NAME.weight} with GGML shape {@code [in, out]}. */
        WeightMatrix linear(String base, int in, int out) {
            return matrix(base + ".weight", new long[] {in, out}, out, in);
        }

        WeightMatrix matrix(String name, long[] ne, int rows, int cols) {
            GgufTensorInfo t = require(name, ne);
            return WeightMatrix.of(name, t.type(), file.tensorData(t), rows, cols);
        }

        float[] vector(String name, int n) {
            return floats(name, new long[] {n});
        }

        float[] floats(String name, long[] ne) {
            GgufTensorInfo t = require(name, ne);
            long count = t.elementCount();
            return WeightMatrix.of(name, t.type(), file.tensorData(t), (int) (count / t.dim(0)), (int) t.dim(0)).toFloatArray();
        }

        /** Drops trailing dimensions of size 1 ({@code [C,1,1]} equals {@code [C]}). */
        private static long[] trim(long[] ne) {
            int n = ne.length;
            while (n > 1 && ne[n - 1] == 1) {
                n--;
            }
            return Arrays.copyOf(ne, n);
        }
    }
}
