package org.vlm4j.model.internvit;

import java.util.Objects;
import org.vlm4j.tensor.MatOps;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/**
 * Runs InternViT plus InternVL's projector on normalised image tiles: pixels {@code [3][S][S]}
 * (float32, {@code (u8/255 - mean)/std}) in, projected image embeddings {@code [256][projDim]} out,
 * which replace the {@code <IMG_CONTEXT>} tokens of the prompt.
 *
 * <p>Follows the original PyTorch model (spec sections 3-5), not llama.cpp: CLS token first with
 * position embedding 0, exact erf GELU, f32 pixels, no final norm, CLS dropped before pixel shuffle.
 * Every matrix product runs through {@link MatOps#matMul} over all 1025 tokens of a tile; attention
 * is {@link VisionAttention}; the element-wise work is vectorised and parallel over tokens.
 *
 * <p>An encoder owns about {@code 1025 x (8 C + F)} floats of activation and attention buffers
 * (~55 MB for the 300M model), allocated once and reused for every layer and tile. It is <b>not thread-safe</b>: use
 * one encoder per concurrent caller ({@link InternVitModel#newEncoder}).
 */
public final class InternVitEncoder {
    private static final int TOKEN_GRAIN = 8;

    /** The matrix product used for every linear layer; a seam for benchmarks (default {@link MatOps#matMul}). */
    @FunctionalInterface
    interface Gemm {
        void matMul(WorkerPool pool, WeightMatrix w, float[] x, int n, float[] out);

        /** Several matrices with the same input (q/k/v); {@link MatOps#matMuls} by default. */
        default void matMuls(WorkerPool pool, WeightMatrix[] ws, float[] x, int n, float[][] outs) {
            for (int i = 0; i < ws.length; i++) {
                matMul(pool, ws[i], x, n, outs[i]);
            }
        }
    }

    /** The production products: {@link MatOps}, with q/k/v fused into one parallel region. */
    private static final Gemm MAT_OPS = new Gemm() {
        @Override
        public void matMul(WorkerPool pool, WeightMatrix w, float[] x, int n, float[] out) {
            MatOps.matMul(pool, w, x, n, out);
        }

        @Override
        public void matMuls(WorkerPool pool, WeightMatrix[] ws, float[] x, int n, float[][] outs) {
            MatOps.matMuls(pool, ws, x, n, outs);
        }
    };

    private final InternVitWeights w;
    private final InternVitConfig c;
    private final WorkerPool pool;
    private final int seq;
    private final int width;
    private final int patches;
    private final float qScale;
    private final VisionAttention attention;
    // activations, [seq][width] unless noted
    private final float[] h;
    private final float[] x;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] y;
    private final float[] mlp; // [seq][intermediate]
    private final float[] cols; // [patches][3 p p]
    private final float[] projMid; // [tokens][projDim]
    private final float[] projOut; // [tokens][projDim]
    Gemm gemm = MAT_OPS;
    private final float[][] qkvOut;

    InternVitEncoder(InternVitWeights weights, WorkerPool pool) {
        this.w = weights;
        this.c = weights.config;
        this.pool = Objects.requireNonNull(pool, "pool");
        this.seq = c.sequenceLength();
        this.width = c.hiddenSize();
        this.patches = c.patches();
        this.qScale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.attention = new VisionAttention(seq, c.heads(), c.headDim());
        int act = seq * width;
        this.h = new float[act];
        this.x = new float[act];
        this.q = new float[act];
        this.k = new float[act];
        this.v = new float[act];
        this.y = new float[act];
        this.mlp = new float[seq * c.intermediateSize()];
        this.cols = new float[patches * c.patchVectorSize()];
        this.projMid = new float[c.tokensPerTile() * c.projectionDim()];
        this.projOut = new float[c.tokensPerTile() * c.projectionDim()];
        this.qkvOut = new float[][] {q, k, v};
    }

    public InternVitConfig config() {
        return c;
    }

    /**
     * Encodes {@code tiles} tiles stored back to back in {@code pixels} ({@code tiles x 3 x S x S}).
     *
     * @return embeddings {@code [tiles * tokensPerTile][projectionDim]}, tile-major (tile 0's rows first)
     */
    public float[] encode(float[] pixels, int tiles) {
        int per = c.pixelsPerTile();
        if (tiles < 0 || (long) tiles * per != pixels.length) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " floats, expected " + tiles + " tiles x " + per);
        }
        int rows = c.tokensPerTile() * c.projectionDim();
        float[] out = new float[Math.multiplyExact(tiles, rows)];
        for (int t = 0; t < tiles; t++) {
            encodeTile(pixels, t * per, out, t * rows);
        }
        return out;
    }

    /**
     * Encodes the tile at {@code pixels[pixelsOffset ..]} and writes its
     * {@code [tokensPerTile][projectionDim]} embeddings to {@code out[outOffset ..]}.
     */
    public void encodeTile(float[] pixels, int pixelsOffset, float[] out, int outOffset) {
        Objects.checkFromIndexSize(outOffset, c.tokensPerTile() * c.projectionDim(), out.length);
        runVit(pixels, pixelsOffset);
        project(h, width, out, outOffset);
    }

    /**
     * The ViT's last hidden state for one tile, CLS included: {@code [1 + patches][hiddenSize]}, row 0
     * is the CLS token, row {@code 1 + r*G + c} the patch at grid row r, column c. This is what the
     * projector consumes (minus the CLS row); exposed for tests and diagnostics.
     */
    public float[] lastHiddenState(float[] pixels, int pixelsOffset) {
        runVit(pixels, pixelsOffset);
        return h.clone();
    }

    /**
     * The projector alone: pixel shuffle + {@code mlp1} on patch vectors {@code [patches][hiddenSize]}
     * (CLS already dropped) at {@code hidden[offset ..]}; writes {@code [tokensPerTile][projectionDim]}.
     */
    void project(float[] hidden, int offset, float[] out, int outOffset) {
        int tokens = c.tokensPerTile();
        int sw = c.shuffledWidth();
        int d = c.projectionDim();
        // q and k are free here and large enough: tokens * sw == patches * width < seq * width
        float[] shuffled = q;
        float[] normed = k;
        PixelShuffle.shuffle(hidden, offset, c.gridSize(), width, c.scaleFactor(), shuffled, 0);
        pool.forRange(tokens, TOKEN_GRAIN, (a, b) -> {
            for (int t = a; t < b; t++) {
                VitKernels.layerNorm(normed, t * sw, shuffled, t * sw, w.projNormWeight, w.projNormBias, sw,
                        InternVitConfig.PROJECTOR_LAYER_NORM_EPS);
            }
        });
        gemm.matMul(pool, w.proj1, normed, tokens, projMid);
        pool.forRange(tokens, TOKEN_GRAIN, (a, b) -> {
            for (int t = a; t < b; t++) {
                VitKernels.biasGelu(projMid, t * d, w.proj1Bias, d);
            }
        });
        gemm.matMul(pool, w.proj3, projMid, tokens, projOut);
        for (int t = 0; t < tokens; t++) {
            VitKernels.biasScale(projOut, t * d, w.proj3Bias, 1f, d);
        }
        System.arraycopy(projOut, 0, out, outOffset, tokens * d);
    }

    /**
     * Runs the embedding, the first {@code layers} encoder layers (at most all) and the projector on
     * a fixed pseudo-random tile and discards the result. Its only purpose is to get the encoder's
     * kernels JIT-compiled on real weights and shapes before the first picture arrives (see
     * {@code VisionLanguageModel.warmUp}); two layers do that at about a tenth of a tile's cost.
     */
    public void warmUp(int layers) {
        float[] pixels = new float[c.pixelsPerTile()];
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        runVit(pixels, 0, Math.max(0, Math.min(layers, w.layers.length)));
        project(h, width, projOut, 0); // the result is discarded
    }

    /** Embeddings + all layers; leaves the last hidden state (CLS first) in {@code h}. */
    private void runVit(float[] pixels, int off) {
        runVit(pixels, off, w.layers.length);
    }

    /** Embeddings + the first {@code count} layers. */
    private void runVit(float[] pixels, int off, int count) {
        Objects.checkFromIndexSize(off, c.pixelsPerTile(), pixels.length);
        embed(pixels, off);
        InternVitWeights.Layer[] layers = w.layers;
        normRows(h, layers[0].ln1Weight(), layers[0].ln1Bias());
        for (int i = 0; i < count; i++) {
            InternVitWeights.Layer l = layers[i];
            InternVitWeights.Layer next = i + 1 < layers.length ? layers[i + 1] : null;
            // attention block: x = LN1(h) already computed
            gemm.matMuls(pool, l.qkv(), x, seq, qkvOut);
            attention.forward(pool, q, l.qBias(), qScale, k, l.kBias(), v, l.vBias(), x);
            gemm.matMul(pool, l.out(), x, seq, y);
            residualAndNorm(l.outBias(), l.ls1(), l.ln2Weight(), l.ln2Bias());
            // MLP block: x = LN2(h)
            gemm.matMul(pool, l.up(), x, seq, mlp);
            int f = c.intermediateSize();
            pool.forRange(seq, TOKEN_GRAIN, (a, b) -> {
                for (int t = a; t < b; t++) {
                    VitKernels.biasGelu(mlp, t * f, l.upBias(), f);
                }
            });
            gemm.matMul(pool, l.down(), mlp, seq, y);
            residualAndNorm(l.downBias(), l.ls2(), next == null ? null : next.ln1Weight(), next == null ? null : next.ln1Bias());
        }
    }

    /** {@code h += ls * (y + bias)} per token, then {@code x = LN(h)} when a norm is given. */
    private void residualAndNorm(float[] bias, float[] ls, float[] normWeight, float[] normBias) {
        float eps = c.layerNormEps();
        pool.forRange(seq, TOKEN_GRAIN, (a, b) -> {
            for (int t = a; t < b; t++) {
                int o = t * width;
                VitKernels.residual(h, o, y, o, bias, ls, width);
                if (normWeight != null) {
                    VitKernels.layerNorm(x, o, h, o, normWeight, normBias, width, eps);
                }
            }
        });
    }

    private void normRows(float[] src, float[] weight, float[] bias) {
        float eps = c.layerNormEps();
        pool.forRange(seq, TOKEN_GRAIN, (a, b) -> {
            for (int t = a; t < b; t++) {
                VitKernels.layerNorm(x, t * width, src, t * width, weight, bias, width, eps);
            }
        });
    }

    /**
     * Patch embedding as a GEMM (im2col rows of {@code 3 p p} values in (channel, y, x) order, the
     * layout of the conv weight), CLS prepended, position embeddings added; result in {@code h}.
     */
    private void embed(float[] pixels, int off) {
        int p = c.patchSize();
        int g = c.gridSize();
        int s = c.imageSize();
        int pv = c.patchVectorSize();
        pool.forRange(patches, TOKEN_GRAIN, (a, b) -> {
            for (int patch = a; patch < b; patch++) {
                int py = patch / g;
                int px = patch % g;
                int dst = patch * pv;
                for (int ch = 0; ch < 3; ch++) {
                    int plane = off + ch * s * s;
                    for (int ky = 0; ky < p; ky++) {
                        System.arraycopy(pixels, plane + (py * p + ky) * s + px * p, cols, dst, p);
                        dst += p;
                    }
                }
            }
        });
        gemm.matMul(pool, w.patchWeight, cols, patches, y);
        float[] pos = w.positionEmbedding;
        for (int i = 0; i < width; i++) {
            h[i] = w.classEmbedding[i] + pos[i];
        }
        float[] bias = w.patchBias;
        pool.forRange(patches, TOKEN_GRAIN, (a, b) -> {
            for (int patch = a; patch < b; patch++) {
                int src = patch * width;
                int dst = src + width;
                for (int i = 0; i < width; i++) {
                    h[dst + i] = (y[src + i] + bias[i]) + pos[dst + i];
                }
            }
        });
    }
}
