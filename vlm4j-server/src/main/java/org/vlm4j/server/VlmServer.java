package org.vlm4j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.UUID;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.vlm4j.chat.BackgroundWarmUp;
import org.vlm4j.chat.LoadOptions;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * The vlm4j HTTP server: an OpenAI-compatible {@code /v1/chat/completions} (streaming or not, with
 * images), {@code /v1/models}, {@code /health}, Prometheus {@code /metrics}, and the web chat page
 * at {@code /}. Runs on Javalin (Jetty) with a virtual thread per request; answers are computed on
 * {@link ServerConfig#parallel()} slots behind a bounded queue.
 *
 * <p>{@link #start(ServerConfig)} binds the port first (so {@code /health} says {@code loading}),
 * then maps the model files and becomes ready.
 */
public final class VlmServer implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VlmServer.class);
    private static final String WEB = "/org/vlm4j/server/web/";
    private static final long IDLE_TIMEOUT_MS = 30L * 60 * 1000;

    private final ServerConfig config;
    private final ObjectMapper mapper = new ObjectMapper();
    private final OpenAiFormat format;
    private final SlotPool pool;
    private final Metrics metrics;
    private final long created = System.currentTimeMillis() / 1000;
    private final Javalin app;
    private volatile VisionLanguageModel model;
    private volatile ChatEngine engine;
    private volatile ChatRequestParser parser;
    private volatile ImageBudget images;
    private boolean ownsModel;
    private volatile BackgroundWarmUp warmUp;
    /** Set by {@link #close}; after it no warm-up starts (guarded by {@code this}). */
    private boolean closed;

    private VlmServer(ServerConfig config) {
        this.config = config;
        this.format = new OpenAiFormat(mapper, config.modelId());
        this.pool = new SlotPool(config.parallel(), config.queue());
        this.metrics = new Metrics(config.parallel(), pool::busy, pool::waiting);
        this.app = Javalin.create(cfg -> {
            cfg.useVirtualThreads = true;
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.disableCompression();
            cfg.requestLogger.http((ctx, ms) -> metrics.request(ctx.statusCode()));
            // requests that Jetty refuses before routing (bad URI encoding, a broken header, headers
            // too large) get the same JSON error object as the rest, and are counted
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonBadMessages()));
        });
        routes();
    }

    /** Binds the port, loads the model and returns the ready server. */
    public static VlmServer start(ServerConfig config) throws IOException {
        VlmServer s = new VlmServer(config);
        s.bind();
        try {
            VisionLanguageModel m = VisionLanguageModel.load(config.textModel(), config.visionModel(),
                    LoadOptions.DEFAULTS.withThreads(config.threads()).withKvCacheType(config.kvCacheType()));
            s.ownsModel = true;
            s.ready(m);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Serves an already loaded model (not closed with the server); for embedding and tests. */
    public static VlmServer start(ServerConfig config, VisionLanguageModel model) throws IOException {
        VlmServer s = new VlmServer(config);
        s.bind();
        s.ready(model);
        return s;
    }

    private void bind() throws IOException {
        checkCanListen(config.host(), config.port());
        app.start(config.host(), config.port());
        for (Connector c : app.jettyServer().server().getConnectors()) {
            if (c instanceof ServerConnector sc) {
                sc.setIdleTimeout(IDLE_TIMEOUT_MS); // an answer may take minutes before its first byte
            }
        }
    }

    private void ready(VisionLanguageModel m) {
        ImageLoader loader = new ImageLoader(m.imageDecoder(), config);
        this.parser = new ChatRequestParser(mapper, loader, m.hasVision());
        // a message's pictures may hold as many decoded pixels as one picture of the largest size; all
        // slots together twice that (only turns being computed hold pixels: at most one per slot)
        long perMessage = m.imageDecoder().maxPixels();
        this.images = new ImageBudget(perMessage, perMessage > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * perMessage);
        this.engine = new ChatEngine(m, loader, images, pool, metrics,
                Math.min(config.contextSize(), m.languageModel().trainedContextLength()));
        this.model = m;
    }

    /**
     * Starts {@link VisionLanguageModel#warmUp} on a background thread, so that the JIT has compiled
     * the engine before the first request (which would otherwise take ~1.5x its normal time). It stops
     * between two of its steps as soon as a request holds or waits for a slot, or the server closes;
     * {@link #close} waits for it. Idempotent; does nothing once the server is closed.
     */
    public synchronized void warmUpInBackground() {
        VisionLanguageModel m = model;
        if (warmUp == null && m != null && !closed) {
            warmUp = BackgroundWarmUp.start(m, () -> pool.busy() > 0 || pool.waiting() > 0);
        }
    }

    /** Whether a background warm-up is still running (for tests and diagnostics). */
    public boolean warmingUp() {
        BackgroundWarmUp w = warmUp;
        return w != null && w.running();
    }

    /** Whether a warm-up was ever started (for tests). */
    synchronized boolean warmUpStarted() {
        return warmUp != null;
    }

    /**
     * Binds and releases {@code host:port} once, so that an unknown host, an address this machine
     * does not have, or a port in use is reported as such (Jetty's error says "port already in use"
     * for all of them, after logging a stack trace).
     */
    private static void checkCanListen(String host, int port) throws IOException {
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.getByName(host);
        } catch (java.net.UnknownHostException e) {
            throw new java.net.BindException("cannot listen on " + host + ":" + port + ": unknown host '" + host + "'");
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(address, port));
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (why.toLowerCase(Locale.ROOT).contains("in use")) {
                why = "port " + port + " is already in use";
            } else if (why.toLowerCase(Locale.ROOT).contains("assign")) {
                why = "this machine has no address " + host;
            }
            throw new java.net.BindException("cannot listen on " + host + ":" + port + ": " + why);
        }
    }

    /** The context size of each slot: the requested one, at most the model's trained context. */
    public int contextSize() {
        return Math.min(config.contextSize(), model != null ? model.languageModel().trainedContextLength() : config.contextSize());
    }

    /** The bound port. */
    public int port() {
        return app.port();
    }

    public ServerConfig config() {
        return config;
    }

    public boolean isReady() {
        return model != null;
    }

    /** Slots computing an answer now. */
    public int busySlots() {
        return pool.busy();
    }

    /** Decoded image pixels that requests hold now (see {@link ImageBudget}). */
    public long imagePixelsHeld() {
        ImageBudget b = images;
        return b == null ? 0 : b.used();
    }

    /** Requests waiting for a slot now. */
    public int queueDepth() {
        return pool.waiting();
    }

    /** Jetty's answers to requests it cannot parse, as OpenAI error objects. */
    private final class JsonBadMessages extends org.eclipse.jetty.server.handler.ErrorHandler {
        @Override
        public java.nio.ByteBuffer badMessageError(int status, String reason, org.eclipse.jetty.http.HttpFields.Mutable fields) {
            metrics.request(status);
            fields.put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/json");
            String message = "the request could not be read: " + (reason == null || reason.isBlank() ? "HTTP " + status : reason);
            try {
                return java.nio.ByteBuffer.wrap(mapper.writeValueAsBytes(format.error(
                        new ApiException(status, "invalid_request_error", null, "bad_request", message))));
            } catch (IOException e) {
                return super.badMessageError(status, reason, fields);
            }
        }
    }

    /** The endpoints and their methods (OPTIONS is answered everywhere), for 405 answers. */
    private static final java.util.Map<String, String> ALLOWED_METHODS = java.util.Map.of(
            "/", "GET, HEAD", "/app.js", "GET, HEAD", "/style.css", "GET, HEAD", "/health", "GET, HEAD",
            "/metrics", "GET, HEAD", "/v1/models", "GET, HEAD", "/v1/chat/completions", "POST");

    private void routes() {
        app.before(this::cors);
        app.before("/v1/*", this::authorize);
        app.before("/metrics", this::authorize);
        app.addHttpHandler(HandlerType.OPTIONS, "/*", ctx -> ctx.status(204));
        app.get("/", ctx -> resource(ctx, "index.html", "text/html; charset=utf-8"));
        app.get("/app.js", ctx -> resource(ctx, "app.js", "text/javascript; charset=utf-8"));
        app.get("/style.css", ctx -> resource(ctx, "style.css", "text/css; charset=utf-8"));
        app.get("/health", ctx -> {
            boolean ok = isReady();
            ctx.status(ok ? 200 : 503).contentType("application/json")
                    .result("{\"status\":\"" + (ok ? "ok" : "loading") + "\"}");
        });
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render()));
        app.get("/v1/models", ctx -> json(ctx, 200, mapper.writeValueAsString(format.models(created))));
        app.post("/v1/chat/completions", this::chat);
        app.exception(ApiException.class, (e, ctx) -> error(ctx, e));
        app.exception(Exception.class, (e, ctx) -> {
            // a bug, not bad input: one line in the log (the stack trace at debug level), a 500 to the client
            LOG.error("internal error serving {} {}: {}", ctx.req().getMethod(), ctx.path(), e.toString());
            LOG.debug("internal error", e);
            error(ctx, new ApiException(500, "server_error", null, "internal_error", "internal error: " + e));
        });
        app.error(404, ctx -> {
            String ct = ctx.res().getContentType();
            if (ct == null || !ct.startsWith("application/json")) {
                String allowed = ALLOWED_METHODS.get(ctx.path());
                if (allowed != null) { // a known endpoint asked with another method (Javalin says 404)
                    ctx.header("Allow", allowed);
                    error(ctx, new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                            "method " + ctx.req().getMethod() + " is not allowed on " + ctx.path() + " (use " + allowed + ")"));
                } else {
                    error(ctx, new ApiException(404, "invalid_request_error", null, "not_found",
                            "no such endpoint: " + ctx.req().getMethod() + " " + ctx.path()));
                }
            }
        });
    }

    private void cors(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || config.corsOrigins().isEmpty()) {
            return;
        }
        boolean any = config.corsOrigins().contains("*");
        if (any || config.corsOrigins().contains(origin)) {
            ctx.header("Access-Control-Allow-Origin", any ? "*" : origin);
            ctx.header("Vary", "Origin");
            ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            ctx.header("Access-Control-Max-Age", "600");
        }
    }

    private void authorize(Context ctx) {
        if (config.apiKey() == null || ctx.method() == HandlerType.OPTIONS) {
            return;
        }
        String h = ctx.header("Authorization");
        // the scheme is case-insensitive (RFC 9110), the key is compared in constant time
        boolean bearer = h != null && h.length() > 7 && h.regionMatches(true, 0, "Bearer ", 0, 7);
        byte[] expected = config.apiKey().getBytes(StandardCharsets.UTF_8);
        byte[] got = bearer ? h.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!bearer || !MessageDigest.isEqual(expected, got)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    "invalid or missing API key: send the header 'Authorization: Bearer KEY'");
        }
    }

    private void chat(Context ctx) throws Exception {
        if (!isReady()) {
            throw new ApiException(503, "server_error", null, "loading", "the model is still loading", 1);
        }
        byte[] body = readBody(ctx);
        chat(ctx, parser.parse(body));
    }

    private void chat(Context ctx, ChatRequest req) throws Exception {
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long now = System.currentTimeMillis() / 1000;
        if (!req.stream()) {
            ChatEngine.Result r = engine.complete(req, piece -> { });
            json(ctx, 200, mapper.writeValueAsString(format.completion(id, now, r)));
            return;
        }
        SseWriter sse = new SseWriter(ctx.res(), mapper, format, id, now);
        ChatEngine.Result r;
        try {
            r = engine.complete(req, sse);
        } catch (ApiException e) {
            if (!sse.started()) {
                throw e;
            }
            failQuietly(sse, e);
            return;
        } catch (RuntimeException e) {
            if (!sse.started()) {
                throw e;
            }
            failQuietly(sse, new ApiException(500, "server_error", null, "internal_error", "internal error: " + e));
            return;
        }
        if (!r.clientGone()) {
            try {
                sse.finish(r, req.includeUsage());
            } catch (IOException e) {
                // the client left after the last token: nothing more to do
            }
        }
    }

    private static void failQuietly(SseWriter sse, ApiException e) {
        try {
            sse.fail(e);
        } catch (IOException ignored) {
            // client gone
        }
    }

    private byte[] readBody(Context ctx) throws IOException {
        long max = config.maxBodyBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw tooLarge(max);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (out.size() + (long) n > max) {
                    throw tooLarge(max);
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    private static ApiException tooLarge(long max) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body is larger than the limit of " + max + " bytes (" + (max >> 20) + " MB; see --max-body)");
    }

    private void error(Context ctx, ApiException e) {
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        try {
            json(ctx, e.status(), mapper.writeValueAsString(format.error(e)));
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
    }

    private static void json(Context ctx, int status, String body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    private static void resource(Context ctx, String name, String type) throws IOException {
        try (InputStream in = VlmServer.class.getResourceAsStream(WEB + name)) {
            if (in == null) {
                throw new ApiException(404, "invalid_request_error", null, "not_found", "missing resource " + name);
            }
            ctx.contentType(type).header("Cache-Control", "no-cache").result(in.readAllBytes());
        }
    }

    /** Stops listening; closes the model if this server loaded it. */
    @Override
    public void close() {
        app.stop();
        BackgroundWarmUp w;
        synchronized (this) {
            closed = true;
            w = warmUp;
        }
        if (w != null) {
            w.stop();
        }
        if (ownsModel && model != null) {
            model.close();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "vlm4j server on http://%s:%d/ (%d slots)", config.host(), port(), config.parallel());
    }
}
