package org.vlm4j.model.internvit;

import java.io.IOException;
import java.nio.file.Path;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFormatException;
import org.vlm4j.tensor.WorkerPool;

/**
 * An InternVL vision tower loaded from an mmproj GGUF ({@code general.architecture = clip},
 * {@code clip.projector_type = internvl}): InternViT encoder, pixel shuffle and the {@code mlp1}
 * projector. Holds the configuration and the (mostly memory-mapped, zero-copy) weights; immutable and
 * safe to share between threads. Encoding happens in an {@link InternVitEncoder}, which owns the
 * activation buffers; create one per concurrent user.
 *
 * <p>Loading checks the file kind, every hyper-parameter and the shape and type of every tensor, so a
 * wrong or damaged file fails here with a message naming the key or tensor rather than producing
 * garbage later.
 */
public final class InternVitModel implements AutoCloseable {
    private final GgufFile file;
    private final boolean ownsFile;
    private final InternVitWeights weights;

    private InternVitModel(GgufFile file, boolean ownsFile, InternVitWeights weights) {
        this.file = file;
        this.ownsFile = ownsFile;
        this.weights = weights;
    }

    /**
     * Opens and maps an mmproj file. The model owns the mapping: {@link #close()} unmaps it.
     *
     * @throws GgufFormatException if the file is not a supported InternVL mmproj
     * @throws IOException if it cannot be read
     */
    public static InternVitModel load(Path mmproj) throws IOException {
        GgufFile f = GgufFile.open(mmproj);
        try {
            return new InternVitModel(f, true, InternVitWeights.load(f, InternVitConfig.fromGguf(f)));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Builds the model over an already open file. The caller keeps ownership: the file must stay open
     * while the model is used, and {@link #close()} does not close it.
     *
     * @throws GgufFormatException if the file is not a supported InternVL mmproj
     */
    public static InternVitModel fromGguf(GgufFile file) {
        return new InternVitModel(file, false, InternVitWeights.load(file, InternVitConfig.fromGguf(file)));
    }

    /** A model over in-memory weights (benchmarks and tests). */
    static InternVitModel of(InternVitWeights weights) {
        return new InternVitModel(null, false, weights);
    }

    public InternVitConfig config() {
        return weights.config;
    }

    /** A new encoder with its own activation buffers, running its parallel work on {@code pool}. */
    public InternVitEncoder newEncoder(WorkerPool pool) {
        return new InternVitEncoder(weights, pool);
    }

    /** The config plus the storage type of the encoder's and projector's matrices, for banners. */
    @Override
    public String toString() {
        return weights.config + "; weights " + weights.layers[0].up().type() + ", projector " + weights.proj1.type();
    }

    /** Package access for tests. */
    InternVitWeights weights() {
        return weights;
    }

    /** Unmaps the file if this model opened it; encoders must not be used afterwards. */
    @Override
    public void close() {
        if (ownsFile && file != null) {
            file.close();
        }
    }
}
