package org.vlm4j.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.vlm4j.model.qwen3.KvCacheType;
import org.vlm4j.tensor.WorkerPool;

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
        if (threads < 0 || threads > WorkerPool.MAX_THREADS) {
            throw new IllegalArgumentException("threads must be between 0 (all processors) and " + WorkerPool.MAX_THREADS + ", got " + threads);
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
        return toBuilder().port(p).build();
    }

    public ServerConfig withHost(String h) {
        return toBuilder().host(h).build();
    }

    public ServerConfig withSlots(int parallelSlots, int queueLength) {
        return toBuilder().parallel(parallelSlots).queue(queueLength).build();
    }

    public ServerConfig withContextSize(int n) {
        return toBuilder().contextSize(n).build();
    }

    public ServerConfig withThreads(int n) {
        return toBuilder().threads(n).build();
    }

    public ServerConfig withApiKey(String key) {
        return toBuilder().apiKey(key).build();
    }

    public ServerConfig withCors(List<String> origins) {
        return toBuilder().corsOrigins(origins).build();
    }

    public ServerConfig withMaxBodyBytes(long n) {
        return toBuilder().maxBodyBytes(n).build();
    }

    public ServerConfig withRemoteImages(boolean allow, long maxBytes, int timeoutMillis) {
        return toBuilder().allowRemoteImages(allow).remoteImageMaxBytes(maxBytes).remoteImageTimeoutMillis(timeoutMillis).build();
    }

    public ServerConfig withKvCacheType(KvCacheType t) {
        return toBuilder().kvCacheType(t).build();
    }

    /** A builder holding this configuration's values; {@link Builder#build()} validates like the constructor. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable copy of a {@link ServerConfig}, for changing several settings at once. */
    public static final class Builder {
        private Path textModel;
        private Path visionModel;
        private String host;
        private int port;
        private int parallel;
        private int queue;
        private int contextSize;
        private int threads;
        private String apiKey;
        private List<String> corsOrigins;
        private long maxBodyBytes;
        private boolean allowRemoteImages;
        private long remoteImageMaxBytes;
        private int remoteImageTimeoutMillis;
        private String modelId;
        private KvCacheType kvCacheType;

        private Builder(ServerConfig c) {
            textModel = c.textModel;
            visionModel = c.visionModel;
            host = c.host;
            port = c.port;
            parallel = c.parallel;
            queue = c.queue;
            contextSize = c.contextSize;
            threads = c.threads;
            apiKey = c.apiKey;
            corsOrigins = c.corsOrigins;
            maxBodyBytes = c.maxBodyBytes;
            allowRemoteImages = c.allowRemoteImages;
            remoteImageMaxBytes = c.remoteImageMaxBytes;
            remoteImageTimeoutMillis = c.remoteImageTimeoutMillis;
            modelId = c.modelId;
            kvCacheType = c.kvCacheType;
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder parallel(int v) {
            parallel = v;
            return this;
        }

        public Builder queue(int v) {
            queue = v;
            return this;
        }

        public Builder contextSize(int v) {
            contextSize = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder apiKey(String v) {
            apiKey = v;
            return this;
        }

        public Builder corsOrigins(List<String> v) {
            corsOrigins = v;
            return this;
        }

        public Builder maxBodyBytes(long v) {
            maxBodyBytes = v;
            return this;
        }

        public Builder allowRemoteImages(boolean v) {
            allowRemoteImages = v;
            return this;
        }

        public Builder remoteImageMaxBytes(long v) {
            remoteImageMaxBytes = v;
            return this;
        }

        public Builder remoteImageTimeoutMillis(int v) {
            remoteImageTimeoutMillis = v;
            return this;
        }

        public Builder modelId(String v) {
            modelId = v;
            return this;
        }

        public Builder kvCacheType(KvCacheType v) {
            kvCacheType = v;
            return this;
        }

        /** The configuration; throws {@link IllegalArgumentException} like the record's constructor. */
        public ServerConfig build() {
            return new ServerConfig(textModel, visionModel, host, port, parallel, queue, contextSize, threads, apiKey, corsOrigins,
                    maxBodyBytes, allowRemoteImages, remoteImageMaxBytes, remoteImageTimeoutMillis, modelId, kvCacheType);
        }
    }
}
