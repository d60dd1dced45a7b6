package org.vlm4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.vlm4j.chat.LoadOptions;
import org.vlm4j.chat.VisionLanguageModel;

/** Shared pieces of the server tests: the tiny fixture models, requests, golden texts. */
final class TestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestSupport() {}

    private static Path copies;

    /**
     * A fixture of vlm4j-core's test jar as a file: used in place when the resource is a file (IDE,
     * reactor), copied to a temporary directory when it is inside the jar.
     */
    static synchronized Path resource(String name) {
        java.net.URL url = TestSupport.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            if (copies == null) {
                copies = Files.createTempDirectory("vlm4j-server-test");
                Runtime.getRuntime().addShutdownHook(new Thread(TestSupport::deleteCopies));
            }
            Path p = copies.resolve(name.substring(1));
            if (!Files.exists(p)) {
                Files.createDirectories(p.getParent());
                try (java.io.InputStream in = url.openStream()) {
                    Files.copy(in, p);
                }
            }
            return p;
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot read test resource " + name, e);
        }
    }

    private static void deleteCopies() {
        try (var walk = Files.walk(copies)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    static Path textModel() {
        return resource("/fixtures/tiny/gguf/tiny-f32.gguf");
    }

    static Path visionModel() {
        return resource("/fixtures/tiny/gguf/tiny-mmproj-f32.gguf");
    }

    static VisionLanguageModel loadModel() throws IOException {
        return VisionLanguageModel.load(textModel(), visionModel(), LoadOptions.DEFAULTS.withThreads(2));
    }

    static ServerConfig config() {
        return ServerConfig.of(textModel(), visionModel()).withPort(0);
    }

    static String dataUrl(String image) throws IOException {
        byte[] b = Files.readAllBytes(resource("/fixtures/images/" + image));
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(b);
    }

    /** The reference greedy answer of case {@code name}, up to its end-of-turn token. */
    static String goldenText(String name) throws IOException {
        JsonNode g = JSON.readTree(resource("/fixtures/tiny/text/" + name + ".f32.json").toFile());
        String text = g.get("greedy").get("text").asText();
        int end = text.indexOf("<|im_end|>");
        return end >= 0 ? text.substring(0, end) : text;
    }

    static ObjectNode userMessage(String text, String... imageUrls) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", "user");
        ArrayNode parts = m.putArray("content");
        for (String u : imageUrls) {
            ObjectNode p = parts.addObject();
            p.put("type", "image_url");
            p.putObject("image_url").put("url", u);
        }
        parts.addObject().put("type", "text").put("text", text);
        return m;
    }

    static ObjectNode message(String role, String text) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", role);
        m.put("content", text);
        return m;
    }

    /** A greedy request with the given messages. */
    static ObjectNode request(int maxTokens, ObjectNode... messages) {
        ObjectNode r = JSON.createObjectNode();
        r.put("model", "tiny");
        r.put("temperature", 0);
        r.put("max_tokens", maxTokens);
        ArrayNode ms = r.putArray("messages");
        for (ObjectNode m : messages) {
            ms.add(m);
        }
        return r;
    }

    static String base(VlmServer s) {
        return "http://127.0.0.1:" + s.port();
    }

    static HttpResponse<String> post(VlmServer s, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base(s) + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(VlmServer s, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base(s) + path)).timeout(Duration.ofSeconds(30)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON payloads of an SSE body, {@code [DONE]} included as a text node. */
    static List<JsonNode> events(String body) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            if (!block.startsWith("data: ")) {
                throw new AssertionError("not an SSE data event: " + block);
            }
            String data = block.substring(6);
            out.add(data.equals("[DONE]") ? JSON.getNodeFactory().textNode("[DONE]") : JSON.readTree(data));
        }
        return out;
    }

    static double metric(VlmServer s, String name) throws Exception {
        for (String line : get(s, "/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }
}
