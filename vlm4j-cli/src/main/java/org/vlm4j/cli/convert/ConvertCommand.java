package org.vlm4j.cli.convert;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vlm4j.cli.CliException;
import org.vlm4j.convert.ConvertException;
import org.vlm4j.convert.ConvertOptions;
import org.vlm4j.safetensors.SafetensorsFormatException;
import org.vlm4j.convert.HfToGguf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vlm4j convert}: an InternVL Hugging Face checkpoint directory to a text GGUF + an mmproj GGUF. */
@Command(name = "convert", description = {
    "Convert an InternVL3/3.5 Hugging Face checkpoint (custom InternVLChatModel or -HF",
    "transformers layout, safetensors, single or sharded) into a text GGUF and an",
    "mmproj GGUF with llama.cpp's names and metadata."})
public final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "The checkpoint directory (config.json, *.safetensors, tokenizer files).")
    Path hfDir;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the two .gguf files (created if missing).")
    Path out;

    @Option(names = "--type", defaultValue = "q8_0", paramLabel = "TYPE",
            description = "Text weights: q8_0, q4_0, f16, bf16 or f32. Default: ${DEFAULT-VALUE}.")
    String type;

    @Option(names = "--vision-type", defaultValue = "f16", paramLabel = "TYPE", description = "Vision weights: f16 or f32. Default: ${DEFAULT-VALUE}.")
    String visionType;

    @Option(names = "--name", paramLabel = "NAME", description = "Model name (general.name, file names); default: the directory name.")
    String name;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Option(names = "--force", description = "Replace output files that exist (as synth does).")
    boolean force;

    /** The options; a bad type or name is a usage error (exit status 2) of {@code cl}. */
    static ConvertOptions options(picocli.CommandLine cl, String type, String visionType, String name) {
        try {
            return new ConvertOptions(ConvertOptions.parseType(type), ConvertOptions.parseType(visionType), name, null);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ProgressBar bar = new ProgressBar(err, quiet);
        ConvertOptions o = options(spec.commandLine(), type, visionType, name).withProgress((f, t, d, n) -> bar.update(f, d, n));
        if (!force) {
            java.nio.file.Path dirName = hfDir.toAbsolutePath().normalize().getFileName();
            String modelName = name != null ? name : dirName == null ? "" : dirName.toString();
            HfToGguf.Result planned = HfToGguf.outputFiles(out, modelName, o);
            for (java.nio.file.Path f : new java.nio.file.Path[] {planned.textGguf(), planned.mmprojGguf()}) {
                if (java.nio.file.Files.exists(f)) {
                    throw new CliException(f + " already exists (use --force to replace it)");
                }
            }
        }
        HfToGguf.Result r;
        try {
            r = HfToGguf.convert(hfDir, out, o);
        } catch (ConvertException | SafetensorsFormatException e) {
            throw new CliException(e.getMessage(), e);
        } finally {
            bar.end();
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println(r.textGguf());
        w.println(r.mmprojGguf());
        return 0;
    }
}
