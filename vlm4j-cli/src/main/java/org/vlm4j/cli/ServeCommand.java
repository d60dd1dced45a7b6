package org.vlm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.vlm4j.server.ServerConfig;
import org.vlm4j.server.VlmServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vlm4j serve}: the OpenAI-compatible HTTP server with the web chat page. Binds loopback
 * unless {@code --host} says otherwise, and runs until interrupted (Ctrl-C).
 */
@Command(name = "serve", description = {"Serve an OpenAI-compatible API (/v1/chat/completions, /v1/models) and a web chat page.",
        "Endpoints: / (chat page), /health, /metrics (Prometheus), /v1/models, /v1/chat/completions."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "TEXT.gguf", description = "The text model (Qwen3 GGUF), a folder of converted GGUFs, or a pulled repo id.")
    Path model;

    @Option(names = "--mmproj", paramLabel = "VISION.gguf", description = "The vision encoder (InternVL mmproj GGUF); without it, text only.")
    Path mmproj;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 = all).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = {"-np", "--parallel"}, defaultValue = "1", paramLabel = "N",
            description = "Answers computed at the same time, each with its own KV cache (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--queue", defaultValue = "16", paramLabel = "N",
            description = "Requests that may wait for a slot; more get 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = {"-c", "--ctx-size"}, defaultValue = "4096", paramLabel = "CTX",
            description = "Context size of each slot (default: ${DEFAULT-VALUE}).")
    int contextSize;

    @Option(names = "--kv-type", defaultValue = "f16", paramLabel = "f16|f32",
            description = "KV-cache storage of each slot: f16 (half the memory, as llama.cpp) or f32 (exact) (default: ${DEFAULT-VALUE}).")
    String kvType;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", paramLabel = "THREADS",
            description = "Compute threads (default: one per processor).")
    int threads;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1/* and /metrics (also: VLM4J_API_KEY).")
    String apiKey;

    @Option(names = "--cors", paramLabel = "ORIGINS", split = ",",
            description = "Allow browsers from these origins (comma-separated, or *) to call the API.")
    String[] cors;

    @Option(names = "--max-body", defaultValue = "20", paramLabel = "MB",
            description = "Largest request body in MB; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyMb;

    @Option(names = "--allow-remote-images",
            description = "Fetch http(s) image URLs (size limit = --max-body, 10 s timeout); otherwise only data: URLs.")
    boolean allowRemoteImages;

    @Option(names = "--no-warm-up",
            description = "Do not run the model briefly in the background after start (by default the JIT compiles it before "
                    + "the first request, which then runs ~1.5x faster; the warm-up yields to any request).")
    boolean noWarmUp;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (maxBodyMb < 1) {
            throw new ParameterException(spec.commandLine(), "--max-body must be at least 1 MB");
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--api-key is empty (an unset variable?): give a key, or leave the option"
                    + " out to serve without one");
        }
        if (host.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--host is empty: give an address such as 127.0.0.1 or 0.0.0.0");
        }
        String key = apiKey != null ? apiKey : System.getenv("VLM4J_API_KEY");
        if (key != null && key.isBlank()) {
            key = null; // an empty VLM4J_API_KEY means no key, and is reported as such below
        }
        List<String> origins = cors == null ? List.of() : Arrays.stream(cors).map(String::strip).filter(s -> !s.isEmpty()).toList();
        long maxBody = (long) maxBodyMb << 20;
        org.vlm4j.hub.ResolvedModel files = ModelOptions.resolve(model, mmproj); // also a folder or a pulled repo id
        Path text = files.textGguf();
        Path vision = files.mmprojGguf();
        ServerConfig config;
        try {
            config = new ServerConfig(text, vision, host, port, parallel, queue, contextSize, threads,
                    key, origins, maxBody, allowRemoteImages, maxBody, 10_000, null,
                    ModelOptions.kvCacheType(spec.commandLine(), kvType));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ModelOptions.warnIfOversubscribed(spec.commandLine(), threads);
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        long t0 = System.nanoTime();
        VlmServer server = VlmServer.start(config);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "vlm4j-serve-shutdown"));
        String shown = host.contains(":") ? "[" + host + "]" : host;
        out.printf("vlm4j: serving %s on http://%s:%d/ (%d slot%s, context %d, ready in %.0f ms)%n", config.modelId(), shown,
                server.port(), parallel, parallel == 1 ? "" : "s", server.contextSize(), (System.nanoTime() - t0) / 1e6);
        out.println("vlm4j: OpenAI base URL http://" + shown + ":" + server.port() + "/v1" + (key != null ? " (API key required)" : ""));
        if (!"127.0.0.1".equals(host) && !"localhost".equals(host) && !"::1".equals(host) && key == null) {
            out.println("vlm4j: warning: listening beyond loopback without --api-key");
        }
        out.flush();
        if (!noWarmUp) {
            server.warmUpInBackground();
        }
        stop.await();
        return 0;
    }
}
