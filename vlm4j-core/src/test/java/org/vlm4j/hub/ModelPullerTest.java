package org.vlm4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.convert.ConvertOptions;
import org.vlm4j.convert.TinyHf;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;

/**
 * {@code pull} against a local hub-like HTTP server serving the tiny HF model: full download and
 * conversion, resume after a cut connection, sha256 mismatch rejected and not cached, 404/401
 * messages, a second run without any request, offline with and without the cache, and the resolver.
 */
class ModelPullerTest {
    static final String REPO = "test-org/tiny-internvl";
    static final ConvertOptions OPTS = ConvertOptions.DEFAULTS.withTypes(GgmlType.Q8_0, GgmlType.F16);

    @TempDir
    Path tmp;
    HttpServer server;
    Path served;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger rangeRequests = new AtomicInteger();
    final Set<String> cutOnce = ConcurrentHashMap.newKeySet();
    final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    volatile boolean requireToken;

    @BeforeEach
    void start() throws IOException {
        served = TinyHf.bf16(tmp.resolve("served"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    HubClient client(String token) {
        return new HubClient("http://127.0.0.1:" + server.getAddress().getPort(), token);
    }

    void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String path = ex.getRequestURI().getPath();
        try (ex) {
            if (requireToken && !"Bearer sekrit".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.sendResponseHeaders(401, -1);
                return;
            }
            String api = "/api/models/" + REPO + "/revision/main";
            if (path.equals(api)) {
                StringBuilder sb = new StringBuilder("{\"id\":\"" + REPO + "\",\"siblings\":[{\"rfilename\":\"README.md\"},{\"rfilename\":\"sub/x.safetensors\"}");
                try (var s = Files.list(served)) {
                    for (Path p : s.toList()) {
                        sb.append(",{\"rfilename\":\"").append(p.getFileName()).append("\"}");
                    }
                }
                byte[] b = sb.append("]}").toString().getBytes();
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
                return;
            }
            String prefix = "/" + REPO + "/resolve/main/";
            if (!path.startsWith(prefix) || !Files.isRegularFile(served.resolve(path.substring(prefix.length())))) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            String file = path.substring(prefix.length());
            byte[] all = Files.readAllBytes(served.resolve(file));
            if (file.endsWith(".safetensors")) { // LFS: sha256 etag and linked size
                byte[] digestOf = all.clone();
                if (corrupt.contains(file)) {
                    digestOf[0] ^= 1;
                }
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha(digestOf) + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", Long.toString(all.length));
            }
            long from = 0;
            String range = ex.getRequestHeaders().getFirst("Range");
            if (range != null) {
                rangeRequests.incrementAndGet();
                from = Long.parseLong(range.substring("bytes=".length(), range.indexOf('-')));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (all.length - 1) + "/" + all.length);
                ex.sendResponseHeaders(206, all.length - from);
            } else {
                ex.sendResponseHeaders(200, all.length);
            }
            OutputStream out = ex.getResponseBody();
            if (cutOnce.remove(file)) {
                out.write(all, (int) from, (all.length - (int) from) / 2);
                out.flush();
                ex.getHttpContext().getServer(); // then drop the connection mid-body
                throw new IOException("cut");
            }
            out.write(all, (int) from, all.length - (int) from);
        }
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void fullPullResumeSecondRunAndResolver() throws IOException {
        cutOnce.add("model.safetensors");
        ModelCache cache = new ModelCache(tmp.resolve("home"));
        ModelPuller puller = new ModelPuller(client(null), cache);
        List<long[]> seen = new java.util.ArrayList<>();
        ModelPuller.Result r = puller.pull(REPO, "main", OPTS, false, (f, d, t) -> seen.add(new long[] {d, t}));
        assertTrue(r.converted());
        assertEquals(Files.size(served.resolve("model.safetensors")), Files.size(cache.hfDir(REPO, "main").resolve("model.safetensors")));
        assertTrue(r.bytesDownloaded() > 1_600_000, "all files: " + r.bytesDownloaded());
        assertFalse(Files.exists(cache.hfDir(REPO, "main").resolve("README.md")), "only needed files");
        assertFalse(Files.exists(cache.hfDir(REPO, "main").resolve("model.safetensors.incomplete")));
        assertTrue(cutOnce.isEmpty(), "the first transfer was cut");
        assertEquals(1, rangeRequests.get(), "the cut transfer resumed with a Range request");
        try (GgufFile g = GgufFile.open(r.model().textGguf())) {
            assertEquals("tiny-internvl", g.metadata().getString("general.name"));
            assertEquals(GgmlType.Q8_0, g.tensor("blk.0.attn_q.weight").type());
        }
        assertEquals("mmproj-tiny-internvl-f16.gguf", r.model().mmprojGguf().getFileName().toString());

        int before = requests.get();
        ModelPuller.Result again = puller.pull(REPO, "main", OPTS, false, null);
        assertEquals(before, requests.get(), "second run makes no request");
        assertEquals(0, again.bytesDownloaded());
        assertFalse(again.converted());
        ModelPuller.Result off = new ModelPuller(client(null), cache).pull(REPO, "main", OPTS, true, null);
        assertEquals(r.model(), off.model());

        ModelResolver res = new ModelResolver(cache);
        assertEquals(r.model(), res.resolveModel(REPO));
        assertEquals(r.model(), res.resolveModel(REPO + "@main"));
        assertEquals(r.model(), res.resolveModel(r.model().textGguf().toString()));
        assertEquals(r.model(), res.resolveModel(cache.modelDir(REPO, "main").toString()));
        assertNull(res.resolveModel(r.model().mmprojGguf().toString()).mmprojGguf());
        HubException e = assertThrows(HubException.class, () -> res.resolveModel("other/model"));
        assertTrue(e.getMessage().contains("vlm4j pull other/model"), e.getMessage());
    }

    @Test
    void checksumMismatchIsRejectedAndNotCached() throws IOException {
        corrupt.add("model.safetensors");
        ModelCache cache = new ModelCache(tmp.resolve("home"));
        HubException e = assertThrows(HubException.class, () -> new ModelPuller(client(null), cache).pull(REPO, "main", OPTS, false, null));
        assertTrue(e.getMessage().contains("sha256 mismatch") && e.getMessage().contains("model.safetensors"), e.getMessage());
        Path hf = cache.hfDir(REPO, "main");
        assertFalse(Files.exists(hf.resolve("model.safetensors")));
        assertFalse(Files.exists(hf.resolve("model.safetensors.incomplete")));
        corrupt.clear();
        assertTrue(new ModelPuller(client(null), cache).pull(REPO, "main", OPTS, false, null).converted());
    }

    @Test
    void notFoundUnauthorizedAndOffline() {
        ModelCache cache = new ModelCache(tmp.resolve("home"));
        HubException e = assertThrows(HubException.class, () -> new ModelPuller(client(null), cache).pull("nobody/nothing", "main", OPTS, false, null));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("nobody/nothing"), e.getMessage());
        requireToken = true;
        e = assertThrows(HubException.class, () -> new ModelPuller(client(null), cache).pull(REPO, "main", OPTS, false, null));
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        e = assertThrows(HubException.class, () -> new ModelPuller(client("wrong"), cache).pull(REPO, "main", OPTS, false, null));
        assertTrue(e.getMessage().contains("token in HF_TOKEN"), e.getMessage());
        int before = requests.get();
        e = assertThrows(HubException.class, () -> new ModelPuller(client(null), cache).pull(REPO, "main", OPTS, true, null));
        assertTrue(e.getMessage().contains("--offline") && e.getMessage().contains("not in the cache"), e.getMessage());
        assertEquals(before, requests.get(), "offline makes no request");
    }
}
