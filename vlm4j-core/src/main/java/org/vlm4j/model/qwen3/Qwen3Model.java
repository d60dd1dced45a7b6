package org.vlm4j.model.qwen3;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFormatException;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.model.LanguageModel;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/**
 * A Qwen3 (or Qwen2/Qwen2.5) text model loaded from GGUF: the configuration and every weight,
 * checked for presence and shape at load time. Immutable and thread-safe; weights stay in the
 * file mapping. Per-sequence state comes from {@link #newState}.
 *
 * <p>Weight types: whatever {@link WeightMatrix} can compute with (F32, F16, BF16, Q8_0, Q4_0), mixed
 * freely per tensor. The output head is {@code output.weight}, or the token embedding when the file
 * has none (tied embeddings).
 */
public final class Qwen3Model implements LanguageModel, AutoCloseable {
    private final GgufFile file;
    private final boolean ownsFile;
    private final Qwen3Config config;
    private final WeightMatrix tokenEmbedding;
    private final List<Qwen3Layer> layers;
    private final float[] outputNorm;
    private final WeightMatrix output;
    private final boolean tiedOutput;

    private Qwen3Model(GgufFile file, boolean ownsFile) {
        this.file = file;
        this.ownsFile = ownsFile;
        this.config = Qwen3Config.fromGguf(file);
        Loader ld = new Loader(file, config);
        Qwen3Config c = config;
        this.tokenEmbedding = ld.matrix("token_embd.weight", c.vocabSize(), c.hidden());
        List<Qwen3Layer> ls = new ArrayList<>(c.layers());
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            boolean qk = c.qkNorm();
            ls.add(new Qwen3Layer(
                    ld.vector(p + "attn_norm.weight", c.hidden()),
                    ld.matrix(p + "attn_q.weight", c.qDim(), c.hidden()),
                    ld.matrix(p + "attn_k.weight", c.kvDim(), c.hidden()),
                    ld.matrix(p + "attn_v.weight", c.kvDim(), c.hidden()),
                    ld.optionalVector(p + "attn_q.bias", c.qDim()),
                    ld.optionalVector(p + "attn_k.bias", c.kvDim()),
                    ld.optionalVector(p + "attn_v.bias", c.kvDim()),
                    qk ? ld.vector(p + "attn_q_norm.weight", c.headDim()) : null,
                    qk ? ld.vector(p + "attn_k_norm.weight", c.headDim()) : null,
                    ld.matrix(p + "attn_output.weight", c.hidden(), c.qDim()),
                    ld.vector(p + "ffn_norm.weight", c.hidden()),
                    ld.matrix(p + "ffn_gate.weight", c.ffn(), c.hidden()),
                    ld.matrix(p + "ffn_up.weight", c.ffn(), c.hidden()),
                    ld.matrix(p + "ffn_down.weight", c.hidden(), c.ffn())));
        }
        this.layers = List.copyOf(ls);
        this.outputNorm = ld.vector("output_norm.weight", c.hidden());
        if (file.hasTensor("output.weight")) {
            this.output = ld.matrix("output.weight", c.vocabSize(), c.hidden());
            this.tiedOutput = false;
        } else {
            this.output = tokenEmbedding;
            this.tiedOutput = true;
        }
    }

    /**
     * Builds the model over an open GGUF file. The caller keeps ownership of {@code file} and must
     * keep it open while the model is used.
     *
     * @throws GgufFormatException naming the file and tensor/key when the file is not a usable
     *     qwen3/qwen2 text model (missing or mis-shaped tensor, bad hyper-parameters)
     * @throws UnsupportedOperationException when a weight has a type vlm4j cannot compute with
     */
    public static Qwen3Model load(GgufFile file) {
        return new Qwen3Model(file, false);
    }

    /** Opens and maps {@code path} and builds the model; {@link #close()} closes the file. */
    public static Qwen3Model open(Path path) throws IOException {
        GgufFile f = GgufFile.open(path);
        try {
            return new Qwen3Model(f, true);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public Qwen3Config config() {
        return config;
    }

    public GgufFile file() {
        return file;
    }

    /** Whether the output head reuses {@code token_embd.weight} (the file has no {@code output.weight}). */
    public boolean tiedOutput() {
        return tiedOutput;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int embeddingWidth() {
        return config.hidden();
    }

    @Override
    public int trainedContextLength() {
        return config.contextLength();
    }

    /**
     * A state with the default batch size and an exact F32 KV cache (the reference configuration;
     * front ends choose F16 through {@code LoadOptions}, as llama.cpp does).
     */
    @Override
    public Qwen3State newState(int contextSize, WorkerPool pool) {
        return newState(contextSize, Qwen3State.DEFAULT_BATCH, KvCacheType.F32, pool);
    }

    /**
     * A state with room for {@code contextSize} positions that prefills at most {@code maxBatch}
     * positions per pass (bigger batches reuse each weight row more but need more scratch memory).
     */
    public Qwen3State newState(int contextSize, int maxBatch, KvCacheType kvType, WorkerPool pool) {
        if (contextSize < 1 || contextSize > config.contextLength()) {
            throw new IllegalArgumentException("context size " + contextSize + " is outside 1.." + config.contextLength()
                    + " (the model's context_length)");
        }
        java.util.Objects.requireNonNull(pool, "pool");
        java.util.Objects.requireNonNull(kvType, "kvType");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("batch size " + maxBatch + " < 1");
        }
        return new Qwen3State(this, contextSize, Math.min(maxBatch, contextSize), kvType, pool);
    }

    /**
     * Nominal bytes of a full KV cache of {@code contextSize} positions (a state's own figure,
     * {@link Qwen3State#kvCacheBytes()}, also counts the padding of its keys; its pages are only
     * allocated as positions are used).
     */
    public long kvCacheBytes(int contextSize, KvCacheType type) {
        return 2L * config.layers() * contextSize * config.kvDim() * type.bytesPerValue();
    }

    WeightMatrix tokenEmbedding() {
        return tokenEmbedding;
    }

    List<Qwen3Layer> layers() {
        return layers;
    }

    float[] outputNorm() {
        return outputNorm;
    }

    WeightMatrix output() {
        return output;
    }

    /** Closes the GGUF file if this model opened it ({@link #open}); states become unusable. */
    @Override
    public void close() {
        if (ownsFile) {
            file.close();
        }
    }

    @Override
    public String toString() {
        return "Qwen3Model[" + config + (tiedOutput ? ", tied output" : "") + ", " + file.path() + "]";
    }

    /** Looks tensors up and checks their shapes, with errors naming the tensor and the file. */
    private static final class Loader {
        private final GgufFile file;
        private final Qwen3Config config;

        Loader(GgufFile file, Qwen3Config config) {
            this.file = file;
            this.config = config;
        }

        private GgufTensorInfo require(String name) {
            GgufTensorInfo t = file.tensor(name);
            if (t == null) {
                throw new GgufFormatException(file.path() + ": tensor '" + name + "' is missing (required by the "
                        + config.architecture() + " text model)");
            }
            return t;
        }

        WeightMatrix matrix(String name, int rows, int cols) {
            GgufTensorInfo t = require(name);
            if (t.dimensions() > 2 || t.dim(0) != cols || t.dim(1) != rows) {
                throw shape(t, new long[] {cols, rows});
            }
            return WeightMatrix.of(file, t);
        }

        float[] vector(String name, int length) {
            GgufTensorInfo t = require(name);
            if (t.elementCount() != length || t.dim(0) != length) {
                throw shape(t, new long[] {length});
            }
            return WeightMatrix.of(file, t).toFloatArray();
        }

        float[] optionalVector(String name, int length) {
            return file.hasTensor(name) ? vector(name, length) : null;
        }

        private GgufFormatException shape(GgufTensorInfo t, long[] expected) {
            return new GgufFormatException(file.path() + ": tensor '" + t.name() + "' has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(expected) + " (ne order) for " + config);
        }
    }
}
