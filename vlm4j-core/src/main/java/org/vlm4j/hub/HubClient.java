package org.vlm4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.vlm4j.util.Json;

/**
 * Minimal Hugging Face hub client on {@link HttpClient}: lists a repository's files at a revision
 * ({@code /api/models/{repo}/revision/{rev}}) and downloads files from
 * {@code /{repo}/resolve/{rev}/{file}}.
 *
 * <p>Downloads go to {@code <file>.incomplete} and resume with a {@code Range} request after an
 * interruption (retried a few times). The size is checked against {@code X-Linked-Size} /
 * {@code Content-Length}, and for LFS files (whose {@code X-Linked-Etag} / {@code ETag} is the
 * sha256) the digest is checked before the file is renamed into place; a mismatch deletes the data.
 * {@code HF_ENDPOINT} (default {@code https://huggingface.co}) and {@code HF_TOKEN} are honoured.
 */
public final class HubClient {
    /** The default endpoint. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final int ATTEMPTS = 4;

    private final String endpoint;
    private final String token;
    private final HttpClient http;
    private final Duration headerTimeout;
    private final Duration idleTimeout;

    /** Closes response bodies that stall (see {@link IdleGuard}); one daemon thread for all clients. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vlm4j-hub-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** A client that waits up to 60 s for a response's headers and up to 60 s for each further piece of its body. */
    public HubClient(String endpoint, String token) {
        this(endpoint, token, Duration.ofSeconds(60), Duration.ofSeconds(60));
    }

    /**
     * @param headerTimeout how long to wait for a response's status and headers
     * @param idleTimeout how long a response body may send nothing before the transfer counts as
     *     cut (a download then resumes, up to {@value #ATTEMPTS} attempts)
     */
    HubClient(String endpoint, String token, Duration headerTimeout, Duration idleTimeout) {
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.headerTimeout = headerTimeout;
        this.idleTimeout = idleTimeout;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(30)).build();
    }

    /**
     * Closes a response body from the watchdog thread when no byte arrived for the idle timeout,
     * so that a read blocked on a stalled server fails instead of waiting forever (the JDK client's
     * request timeout ends when the headers arrive).
     */
    private final class IdleGuard implements AutoCloseable {
        private final InputStream in;
        private final ScheduledFuture<?> task;
        private volatile long last = System.nanoTime();
        private volatile boolean fired;

        IdleGuard(InputStream in) {
            this.in = in;
            long period = Math.max(10, idleTimeout.toMillis() / 4);
            this.task = WATCHDOG.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
        }

        void progress() {
            last = System.nanoTime();
        }

        boolean fired() {
            return fired;
        }

        private void check() {
            if (!fired && System.nanoTime() - last > idleTimeout.toNanos()) {
                fired = true;
                try {
                    in.close();
                } catch (IOException ignored) {
                    // the reader sees the stream closed either way
                }
            }
        }

        String what() {
            return "no data for " + idleTimeout.toSeconds() + " s";
        }

        @Override
        public void close() {
            task.cancel(false);
        }
    }

    /** A client configured from {@code HF_ENDPOINT} and {@code HF_TOKEN}. */
    public static HubClient fromEnvironment() {
        String ep = System.getenv("HF_ENDPOINT");
        return new HubClient(ep == null || ep.isBlank() ? DEFAULT_ENDPOINT : ep, System.getenv("HF_TOKEN"));
    }

    public String endpoint() {
        return endpoint;
    }

    /** The file names of {@code repo} at {@code revision} (the API's {@code siblings}). */
    public List<String> listFiles(String repo, String revision) throws IOException {
        URI uri = uri("/api/models/" + repo + "/revision/" + enc(revision));
        HttpResponse<InputStream> r = send(request(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream(), repo + " file list");
        String body;
        try (InputStream in = r.body(); IdleGuard guard = new IdleGuard(in)) {
            check(r.statusCode(), repo, "file list", uri);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[1 << 14];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    guard.progress();
                    bytes.write(buf, 0, n);
                    if (bytes.size() > (64 << 20)) {
                        throw new HubException(uri + ": the file list is larger than 64 MB");
                    }
                }
            } catch (IOException e) {
                throw new HubException("cannot read the file list of " + repo + " from " + endpoint + ": "
                        + (guard.fired() ? guard.what() : e.toString()) + " (use --offline to work from the cache)", e);
            }
            body = bytes.toString(StandardCharsets.UTF_8);
        }
        Object o = Json.parse(body, uri.toString());
        if (!(o instanceof Map<?, ?> m) || !(m.get("siblings") instanceof List<?> sib)) {
            throw new HubException(uri + ": answer has no 'siblings' list");
        }
        List<String> out = new ArrayList<>();
        for (Object s : sib) {
            if (s instanceof Map<?, ?> sm && sm.get("rfilename") instanceof String n) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Downloads {@code file} of {@code repo} to {@code target}, resuming a previous
     * {@code target.incomplete}. Returns the size.
     */
    public long download(String repo, String revision, String file, Path target, DownloadProgress progress) throws IOException {
        URI uri = uri("/" + repo + "/resolve/" + enc(revision) + "/" + file);
        Path part = target.resolveSibling(target.getFileName() + ".incomplete");
        Files.createDirectories(target.getParent());
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            HttpRequest.Builder b = request(uri).GET();
            if (have > 0) {
                b.header("Range", "bytes=" + have + "-");
            }
            HttpResponse<InputStream> r;
            try {
                r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream(), repo + "/" + file);
            } catch (HubException e) {
                if (have == 0 && attempt == 0) {
                    throw e; // the hub cannot be reached at all: no point in retrying
                }
                last = new IOException(e.getMessage(), e); // a resume that did not answer: another attempt
                continue;
            }
            int status = r.statusCode();
            if (status == 416 && have > 0) { // nothing left to fetch: verify what we have
                r.body().close();
                return finish(repo, file, part, target, headerSha(r), -1);
            }
            if (status != 200 && status != 206) {
                r.body().close();
                check(status, repo, file, uri);
            }
            boolean append = status == 206;
            if (!append) {
                have = 0;
            }
            long expected = expectedSize(r, append ? have : 0);
            String sha = headerSha(r);
            try (InputStream in = r.body();
                    IdleGuard guard = new IdleGuard(in);
                    OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                long done = have;
                int n;
                try {
                    while ((n = in.read(buf)) >= 0) {
                        guard.progress();
                        out.write(buf, 0, n);
                        done += n;
                        progress.update(file, done, expected);
                    }
                } catch (IOException e) {
                    throw guard.fired() ? new IOException(guard.what(), e) : e;
                }
            } catch (IOException e) {
                last = e; // connection cut or stalled: resume
                continue;
            }
            if (expected >= 0 && Files.size(part) < expected) {
                last = new IOException("connection closed after " + Files.size(part) + " of " + expected + " bytes");
                continue;
            }
            return finish(repo, file, part, target, sha, expected);
        }
        throw new HubException(repo + "/" + file + ": download failed after " + ATTEMPTS + " attempts: "
                + (last == null ? "unknown error" : last.getMessage()) + " (run again to resume)", last);
    }

    private long finish(String repo, String file, Path part, Path target, String sha, long expected) throws IOException {
        long size = Files.size(part);
        if (expected >= 0 && size != expected) {
            Files.deleteIfExists(part);
            throw new HubException(repo + "/" + file + ": got " + size + " bytes, the hub announced " + expected + "; deleted, run again");
        }
        if (sha != null) {
            String actual = sha256(part);
            if (!actual.equals(sha)) {
                Files.deleteIfExists(part);
                throw new HubException(repo + "/" + file + ": sha256 mismatch (expected " + sha + ", got " + actual
                        + "); the corrupt download was deleted, run again");
            }
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return size;
    }

    private static long expectedSize(HttpResponse<?> r, long offset) {
        Optional<String> linked = r.headers().firstValue("X-Linked-Size");
        if (linked.isPresent()) {
            return Long.parseLong(linked.get().strip());
        }
        Optional<String> range = r.headers().firstValue("Content-Range"); // bytes a-b/total
        if (range.isPresent() && range.get().contains("/") && !range.get().endsWith("*")) {
            return Long.parseLong(range.get().substring(range.get().lastIndexOf('/') + 1).strip());
        }
        return r.headers().firstValueAsLong("Content-Length").stream().map(l -> l + offset).findFirst().orElse(-1L);
    }

    /** The sha256 announced for an LFS file (a 64-hex-digit etag), else null (git blobs use sha1 etags). */
    private static String headerSha(HttpResponse<?> r) {
        String e = r.headers().firstValue("X-Linked-Etag").or(() -> r.headers().firstValue("ETag")).orElse(null);
        if (e == null) {
            return null;
        }
        e = e.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        e = e.replace("\"", "").toLowerCase(Locale.ROOT);
        return e.matches("[0-9a-f]{64}") ? e : null;
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code endpoint + path} as a URI; a bad endpoint (HF_ENDPOINT) is a clear error naming it. */
    private URI uri(String path) {
        URI u;
        try {
            u = new URI(endpoint + path);
        } catch (java.net.URISyntaxException e) {
            throw new HubException("the hub address '" + endpoint + "' (HF_ENDPOINT) is not a valid URL: " + e.getMessage(), e);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
            throw new HubException("the hub address '" + endpoint + "' (HF_ENDPOINT) must be an http:// or https:// URL with a host");
        }
        return u;
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(headerTimeout).header("User-Agent", "vlm4j");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> h, String what) throws IOException {
        try {
            return http.send(req, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + what, e);
        } catch (java.net.http.HttpConnectTimeoutException e) {
            throw new HubException("cannot connect to " + endpoint + " within 30 s for " + what
                    + " (check HF_ENDPOINT and the network; use --offline to work from the cache)", e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new HubException(endpoint + " did not answer within " + headerTimeout.toSeconds() + " s for " + what
                    + " (check HF_ENDPOINT and the network; use --offline to work from the cache)", e);
        } catch (IOException e) {
            throw new HubException("cannot reach " + endpoint + " for " + what + ": " + e + " (use --offline to work from the cache)", e);
        } catch (IllegalArgumentException e) {
            throw new HubException("cannot use " + endpoint + " (from HF_ENDPOINT?) for " + what + ": " + e.getMessage(), e);
        }
    }

    private void check(int status, String repo, String what, URI uri) {
        if (status == 200) {
            return;
        }
        String hint = switch (status) {
            case 401, 403 -> token == null
                    ? "access denied: the repository does not exist, or is gated or private (then set HF_TOKEN to a Hugging Face token with access)"
                    : "access denied with the token in HF_TOKEN: check that it is valid and has access to " + repo;
            case 404 -> "not found: check the repository id and revision (" + uri + ")";
            default -> "HTTP " + status + " from " + uri;
        };
        throw new HubException(repo + " (" + what + "): " + hint);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
