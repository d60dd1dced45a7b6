package org.vlm4j.convert;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFileTypes;
import org.vlm4j.gguf.GgufValue;
import org.vlm4j.gguf.GgufWriter;
import org.vlm4j.safetensors.SafetensorsCheckpoint;
import org.vlm4j.safetensors.SafetensorsDType;
import org.vlm4j.tensor.Quantizer;

/**
 * Converts an InternVL Hugging Face checkpoint (custom or {@code -HF} layout, Qwen3 or Qwen2
 * backbone) into the two GGUF files vlm4j and llama.cpp load: a text model and an mmproj, with
 * llama.cpp's tensor names, metadata keys and type rules (see {@link ConversionPlan},
 * {@link TokenizerMetadata}).
 *
 * <p>Memory stays bounded: weights are mapped, and every tensor is converted in chunks of about a
 * million elements straight into the streaming {@link GgufWriter}; outputs appear under their real
 * names only when complete.
 */
public final class HfToGguf {
    private static final int CHUNK_ELEMENTS = 1 << 20;

    /** The two files written. */
    public record Result(Path textGguf, Path mmprojGguf) {}

    private HfToGguf() {}

    /** The output file names for a model called {@code name}. */
    public static Result outputFiles(Path outDir, String name, ConvertOptions o) {
        return new Result(outDir.resolve(name + "-" + ConvertOptions.typeName(o.textType()) + ".gguf"),
                outDir.resolve("mmproj-" + name + "-" + ConvertOptions.typeName(o.visionType()) + ".gguf"));
    }

    /** Converts the checkpoint in {@code hfDir} into {@code outDir} (created if missing). */
    public static Result convert(Path hfDir, Path outDir, ConvertOptions o) throws IOException {
        InternVlConfig cfg = InternVlConfig.read(hfDir);
        Path dirName = hfDir.toAbsolutePath().normalize().getFileName();
        String name;
        try {
            name = o.name() != null ? o.name() : ConvertOptions.checkName(dirName == null ? "" : dirName.toString());
        } catch (IllegalArgumentException e) {
            throw new ConvertException(hfDir + ": " + e.getMessage() + " (give one with --name)");
        }
        Result out = outputFiles(outDir, name, o);
        Files.createDirectories(outDir);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(hfDir)) {
            ConversionPlan plan = ConversionPlan.build(ckpt.tensors(), cfg, o.textType(), o.visionType());
            Map<String, GgufValue> tok = TokenizerMetadata.read(hfDir, cfg.vocabSize(), cfg);
            writeText(out.textGguf(), name, cfg, tok, plan.text(), o);
            writeVision(out.mmprojGguf(), name + "-mmproj", cfg, plan.vision(), o);
        }
        return out;
    }

    private static void writeText(Path file, String name, InternVlConfig c, Map<String, GgufValue> tok,
            List<PlannedTensor> tensors, ConvertOptions o) throws IOException {
        try (GgufWriter w = GgufWriter.create(file)) {
            String a = c.textArch();
            w.putString("general.architecture", a);
            w.putString("general.type", "model");
            w.putString("general.name", name);
            w.putU32(a + ".block_count", c.blockCount());
            w.putU32(a + ".context_length", c.contextLength());
            w.putU32(a + ".embedding_length", c.hidden());
            w.putU32(a + ".feed_forward_length", c.ffn());
            w.putU32(a + ".attention.head_count", c.heads());
            w.putU32(a + ".attention.head_count_kv", c.kvHeads());
            w.putF32(a + ".rope.freq_base", c.ropeTheta());
            w.putF32(a + ".attention.layer_norm_rms_epsilon", c.rmsEps());
            if (c.headDim() != null) {
                w.putU32(a + ".attention.key_length", c.headDim());
                w.putU32(a + ".attention.value_length", c.headDim());
            }
            w.putU32("general.file_type", GgufFileTypes.forType(o.textType()));
            tok.forEach(w::put);
            w.putU32("general.quantization_version", 2);
            w.putString("general.size_label", sizeLabel(ConversionPlan.parameters(tensors)));
            write(w, file, tensors, o.progress());
        }
    }

    private static void writeVision(Path file, String name, InternVlConfig c, List<PlannedTensor> tensors, ConvertOptions o)
            throws IOException {
        try (GgufWriter w = GgufWriter.create(file)) {
            w.putString("general.architecture", "clip");
            w.putString("general.type", "mmproj");
            w.putString("general.name", name);
            w.putU32("general.file_type", GgufFileTypes.forType(o.visionType()));
            w.putBool("clip.has_vision_encoder", true);
            w.putU32("clip.vision.projection_dim", c.hidden());
            w.putU32("clip.vision.image_size", c.imageSize());
            w.putU32("clip.vision.patch_size", c.patchSize());
            w.putU32("clip.vision.embedding_length", c.visionHidden());
            w.putU32("clip.vision.feed_forward_length", c.visionFfn());
            w.putU32("clip.vision.block_count", c.visionBlocks());
            w.putU32("clip.vision.attention.head_count", c.visionHeads());
            w.putArray("clip.vision.image_mean", GgufArray.ofFloats(c.imageMean()));
            w.putArray("clip.vision.image_std", GgufArray.ofFloats(c.imageStd()));
            w.putString("clip.projector_type", "internvl");
            w.putF32("clip.vision.attention.layer_norm_epsilon", c.visionEps());
            w.putBool("clip.use_gelu", c.useGelu());
            w.putU32("clip.vision.projector.scale_factor", c.scaleFactor());
            w.putU32("clip.vision.preproc_min_tiles", c.minTiles());
            w.putU32("clip.vision.preproc_max_tiles", c.maxTiles());
            w.putU32("general.quantization_version", 2);
            w.putString("general.size_label", sizeLabel(ConversionPlan.parameters(tensors)));
            write(w, file, tensors, o.progress());
        }
    }

    private static void write(GgufWriter w, Path file, List<PlannedTensor> tensors, ConvertProgress progress) throws IOException {
        for (PlannedTensor t : tensors) {
            w.addTensor(t.name(), t.type(), t.ne());
        }
        w.writeHeader();
        long total = w.fileSize();
        String fileName = file.getFileName().toString();
        float[] buf = null;
        byte[] out = null;
        for (PlannedTensor t : tensors) {
            long n = t.elementCount();
            long row = t.rowLength();
            if (t.type() == GgmlType.F32 && t.source().dtype() == SafetensorsDType.F32) {
                w.writeTensorData(t.source().data().asSlice(t.firstElement() * 4, n * 4)); // zero-copy
                progress.update(fileName, t.name(), w.bytesWritten(), total);
                continue;
            }
            long rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / row);
            int chunk = (int) Math.min(n, rowsPerChunk * row);
            if (buf == null || buf.length < chunk) {
                buf = new float[chunk];
                out = new byte[(int) GgmlType.F32.byteSize(chunk)];
            }
            MemorySegment seg = MemorySegment.ofArray(out);
            for (long done = 0; done < n; done += chunk) {
                int m = (int) Math.min(chunk, n - done);
                t.source().readFloats(t.firstElement() + done, buf, 0, m);
                Quantizer.quantize(t.type(), buf, 0, m, seg, 0);
                w.writeTensorData(out, 0, (int) t.type().byteSize(m));
                progress.update(fileName, t.name(), w.bytesWritten(), total);
            }
        }
        w.finish();
        progress.update(fileName, null, total, total);
    }

    /**
     * gguf-py's parameter-count label: the count scaled to K/M/B/T, with as many decimals as needed
     * to show at least two significant digits ({@code 631K}, {@code 752M}, {@code 1.5B}).
     */
    public static String sizeLabel(long params) {
        double scaled;
        String suffix;
        if (params > 1e12) {
            scaled = params * 1e-12;
            suffix = "T";
        } else if (params > 1e9) {
            scaled = params * 1e-9;
            suffix = "B";
        } else if (params > 1e6) {
            scaled = params * 1e-6;
            suffix = "M";
        } else {
            scaled = params * 1e-3;
            suffix = "K";
        }
        String digits = Long.toString(Math.round(scaled)).replaceFirst("^0+", "");
        int decimals = Math.max(2 - digits.length(), 0);
        return String.format(java.util.Locale.ROOT, "%." + decimals + "f", scaled) + suffix;
    }
}
