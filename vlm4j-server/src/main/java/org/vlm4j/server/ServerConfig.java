package org.vlm4j.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.vlm4j.model.qwen3.KvCacheType;

/**
 * Settings of a {@link VlmServer}.
 *
 * @param textModel the text GGUF
 * @param visionModel the mmproj GGUF, or null for text only
 * @param host address to bind (loopback unless told otherwise)
 * @param port TCP port; 0 = any free port
 * @param parallel slots: answers computed at the same time, each with its own KV cache
 * @param queue requests that may wait for a slot; more get 503 with {@code Retry-After}
 * @param contextSize positions of each slot's KV cache
 * @param threads compute threads (0 = all processors)
 * @param apiKey required bearer token for {@code /v1/*} and {@code /metrics}, or null for none
 * @param corsOrigins origins allowed by CORS ({@code *} = any); empty = no CORS headers
 * @param maxBodyBytes larger request bodies get 413
 * @param allowRemoteImages fetch http(s) image URLs (otherwise only {@code data:} URLs)
 * @param remoteImageMaxBytes size limit of one fetched image
 * @param remoteImageTimeoutMillis time limit of one fetch
 * @param modelId the model name {@code /v1/models} lists
 * @param kvCacheType element type of every slot's KV cache (null = F16, the default)
 */
public record ServerConfig(Path textModel, Path visionModel, String host, int port, int parallel, int queue, int contextSize,
        int threads, String apiKey, List<String> corsOrigins, long maxBodyBytes, boolean allowRemoteImages,
        long remoteImageMaxBytes, int remoteImageTimeoutMillis, String modelId, KvCacheType kvCacheType) {

    public static final int DEFAULT_PORT = 8080;
    public static final long DEFAULT_MAX_BODY = 20L << 20;

    public ServerConfig {
        Objects.requireNonNull(textModel, "textModel");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be >= 1, got " + parallel);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must be >= 0, got " + queue);
        }
        if (contextSize < 16) {
            throw new IllegalArgumentException("context size must be >= 16, got " + contextSize);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("max body must be positive, got " + maxBodyBytes);
        }
        corsOrigins = List.copyOf(corsOrigins);
        if (kvCacheType == null) {
            kvCacheType = KvCacheType.F16;
        }
        if (modelId == null || modelId.isBlank()) {
            String f = textModel.getFileName().toString();
            modelId = f.endsWith(".gguf") ? f.substring(0, f.length() - 5) : f;
        }
    }

    /** Defaults: loopback:8080, 1 slot, queue 16, context 4096, F16 KV cache, 20 MB bodies, no key, no CORS. */
    public static ServerConfig of(Path textModel, Path visionModel) {
        return new ServerConfig(textModel, visionModel, "127.0.0.1", DEFAULT_PORT, 1, 16, 4096, 0, null, List.of(),
                DEFAULT_MAX_BODY, false, DEFAULT_MAX_BODY, 10_000, null, KvCacheType.F16);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(textModel, visionModel, host, p, parallel, queue, contextSize, threads, apiKey, corsOrigins,
                maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(textModel, visionModel, h, port, parallel, queue, contextSize, threads, apiKey, corsOrigins,
                maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withSlots(int parallelSlots, int queueLength) {
        return new ServerConfig(textModel, visionModel, host, port, parallelSlots, queueLength, contextSize, threads, apiKey,
                corsOrigins, maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withContextSize(int n) {
        return new ServerConfig(textModel, visionModel, host, port, parallel, queue, n, threads, apiKey, corsOrigins,
                maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withThreads(int n) {
        return new ServerConfig(textModel, visionModel, host, port, parallel, queue, contextSize, n, apiKey, corsOrigins,
                maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(textModel, visionModel, host, port, parallel, queue, contextSize, threads, key, corsOrigins,
                maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withCors(List<String> origins) {
        return new ServerConfig(textModel, visionModel, host, port, parallel, queue, contextSize, threads, apiKey, origins,
                maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withMaxBodyBytes(long n) {
        return new ServerConfig(textModel, visionModel, host, port, parallel, queue, contextSize, threads, apiKey, corsOrigins,
                n, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withRemoteImages(boolean allow, long maxBytes, int timeoutMillis) {
        return new ServerConfig(textModel, visionModel, host, port, parallel, queue, contextSize, threads, apiKey, corsOrigins,
                maxBodyBytes, allow, maxBytes, timeoutMillis, modelId, kvCacheType);
    }

    public ServerConfig withKvCacheType(KvCacheType t) {
        return new ServerConfig(textModel, visionModel, host, port, parallel, queue, contextSize, threads, apiKey, corsOrigins,
                maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, t);
    }
}
