package org.vlm4j.cli.convert;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.vlm4j.cli.CliException;
import org.vlm4j.convert.ConvertException;
import org.vlm4j.convert.ConvertOptions;
import org.vlm4j.safetensors.SafetensorsFormatException;
import org.vlm4j.hub.HubException;
import org.vlm4j.hub.HubClient;
import org.vlm4j.hub.ModelCache;
import org.vlm4j.hub.ModelPuller;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vlm4j pull}: download an InternVL checkpoint from the Hugging Face hub into the cache and
 * convert it; afterwards the repo id works wherever a model path is expected.
 */
@Command(name = "pull", description = {
    "Download an InternVL3/3.5 checkpoint from the Hugging Face hub and convert it",
    "to GGUF in the cache ($VLM4J_HOME, default ~/.cache/vlm4j). Honours HF_ENDPOINT",
    "and HF_TOKEN; resumes interrupted downloads; a second run does nothing."})
public final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = ModelPuller.DEFAULT_REPO, paramLabel = "REPO",
            description = "Repository id. Default: ${DEFAULT-VALUE}.")
    String repo;

    @Option(names = "--revision", defaultValue = "main", paramLabel = "REV", description = "Branch, tag or commit. Default: ${DEFAULT-VALUE}.")
    String revision;

    @Option(names = "--type", defaultValue = "q8_0", paramLabel = "TYPE", description = "Text weights: q8_0, q4_0, f16, bf16 or f32. Default: ${DEFAULT-VALUE}.")
    String type;

    @Option(names = "--vision-type", defaultValue = "f16", paramLabel = "TYPE", description = "Vision weights: f16 or f32. Default: ${DEFAULT-VALUE}.")
    String visionType;

    @Option(names = "--offline", description = "Use the cache only; never touch the network.")
    boolean offline;

    @Option(names = "--yes", description = "Do not ask for confirmation (pull never prompts; kept for scripts).")
    boolean yes;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ProgressBar bar = new ProgressBar(err, quiet);
        ConvertOptions o = ConvertCommand.options(spec.commandLine(), type, visionType, null).withProgress((f, t, d, n) -> bar.update(f, d, n));
        ModelPuller p = new ModelPuller(HubClient.fromEnvironment(), ModelCache.fromEnvironment());
        ModelPuller.Result r;
        try {
            r = p.pull(repo, revision, o, offline, bar::update);
        } catch (HubException | ConvertException | SafetensorsFormatException e) {
            throw new CliException(e.getMessage(), e);
        } finally {
            bar.end();
        }
        if (!quiet && !r.converted()) {
            err.println(repo + "@" + revision + " is already in the cache");
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println(r.model().textGguf());
        w.println(r.model().mmprojGguf());
        return 0;
    }
}
