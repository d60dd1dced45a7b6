package org.vlm4j.model.qwen3;

import org.vlm4j.tensor.WeightMatrix;

/**
 * The weights of one decoder block. Matrices are zero-copy views of the mapped file; the 1-D
 * tensors (norm weights, biases) are small and held as f32 arrays. Optional parts are null:
 * {@code qNorm}/{@code kNorm} for Qwen2, the biases for Qwen3.
 */
record Qwen3Layer(
        float[] attnNorm,
        WeightMatrix wq, WeightMatrix wk, WeightMatrix wv,
        float[] bq, float[] bk, float[] bv,
        float[] qNorm, float[] kNorm,
        WeightMatrix wo,
        float[] ffnNorm,
        WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
}
