package org.vlm4j.cli.synth;

import java.util.List;
import java.util.Locale;

/**
 * Shapes of a synthetic InternVL3.5-style model: a Qwen3 text model and an InternViT vision encoder
 * with the InternVL projector. {@code internvl3_5-1b} has the real InternVL3.5-1B shapes (spec
 * sections 1, 2, 13); {@code tiny} has the shapes of the tiny test fixture, for fast tests.
 *
 * @param name preset name as given on the command line
 * @param hidden text hidden size
 * @param layers text blocks
 * @param heads query heads
 * @param kvHeads key/value heads
 * @param headDim width of one head
 * @param ffn SwiGLU inner width
 * @param vocabRows rows of the embedding and output matrices
 * @param contextLength trained context length
 * @param maxMerges upper bound of generated BPE merges (when no tokenizer.json is given)
 * @param vHidden vision width
 * @param vLayers vision blocks
 * @param vHeads vision heads
 * @param vFfn vision MLP width
 * @param imageSize tile size in pixels
 * @param patchSize patch size in pixels
 * @param scaleFactor pixel-shuffle factor (1 / downsample ratio)
 */
public record SynthPreset(String name, int hidden, int layers, int heads, int kvHeads, int headDim, int ffn,
        int vocabRows, int contextLength, int maxMerges,
        int vHidden, int vLayers, int vHeads, int vFfn, int imageSize, int patchSize, int scaleFactor) {

    public static final SynthPreset INTERNVL3_5_1B = new SynthPreset("internvl3_5-1b",
            1024, 28, 16, 8, 128, 3072, 151936, 40960, 4000,
            1024, 24, 16, 4096, 448, 14, 2);

    public static final SynthPreset TINY = new SynthPreset("tiny",
            64, 2, 4, 2, 32, 128, 4160, 4096, 1000,
            64, 2, 4, 128, 448, 14, 2);

    public static final List<SynthPreset> ALL = List.of(INTERNVL3_5_1B, TINY);

    /** The preset called {@code name} (case-insensitive). */
    public static SynthPreset named(String name) {
        for (SynthPreset p : ALL) {
            if (p.name.equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + names() + ")");
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(SynthPreset::name).toList());
    }

    /** Patches along one side of a tile. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Width of the pixel-shuffled features entering the projector. */
    public int projectorInput() {
        return vHidden * scaleFactor * scaleFactor;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (text %dx%d, vision %dx%d, vocab %d)", name, layers, hidden, vLayers, vHidden, vocabRows);
    }
}
