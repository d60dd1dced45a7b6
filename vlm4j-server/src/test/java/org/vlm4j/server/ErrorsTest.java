package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlm4j.server.TestSupport.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * Every refusal is an OpenAI error object with the right status, and 400s name the field: bad JSON,
 * schema errors, n != 1, remote images (refused unless allowed, then fetched within limits from a
 * local HTTP server), API key, body size.
 */
class ErrorsTest {
    static VisionLanguageModel model;
    static VlmServer server;
    static String img;

    @BeforeAll
    static void start() throws Exception {
        model = TestSupport.loadModel();
        server = VlmServer.start(TestSupport.config().withMaxBodyBytes(200_000), model);
        img = TestSupport.dataUrl("img448.png");
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    static JsonNode expectError(VlmServer s, int status, String body, String param, String code, String... headers) throws Exception {
        HttpResponse<String> res = TestSupport.post(s, "/v1/chat/completions", body, headers);
        assertEquals(status, res.statusCode(), res.body());
        assertTrue(res.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode e = JSON.readTree(res.body()).get("error");
        assertTrue(e.get("message").asText().length() > 5, res.body());
        if (status < 500) {
            assertEquals("invalid_request_error", e.get("type").asText(), res.body());
        }
        if (param == null) {
            assertTrue(e.get("param").isNull(), res.body());
        } else {
            assertEquals(param, e.get("param").asText(), res.body());
        }
        if (code != null) {
            assertEquals(code, e.get("code").asText(), res.body());
        }
        return e;
    }

    static String ok() {
        return TestSupport.request(2, TestSupport.message("user", "Hi")).toString();
    }

    static String with(String field, Object value) {
        ObjectNode r = (ObjectNode) TestSupport.request(2, TestSupport.message("user", "Hi"));
        r.set(field, JSON.valueToTree(value));
        return r.toString();
    }

    @Test
    void malformedJsonAndSchema() throws Exception {
        expectError(server, 400, "{\"messages\": [", null, "invalid_json");
        expectError(server, 400, "[1,2]", null, "invalid_json");
        expectError(server, 400, "{}", "messages", "missing_required_parameter");
        expectError(server, 400, "{\"messages\": \"hi\"}", "messages", "invalid_type");
        expectError(server, 400, "{\"messages\": []}", "messages", null);
        expectError(server, 400, "{\"messages\": [{\"content\": \"hi\"}]}", "messages[0].role", null);
        expectError(server, 400, "{\"messages\": [{\"role\": \"tool\", \"content\": \"hi\"}]}", "messages[0].role", null);
        expectError(server, 400, "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", "messages[0].content", "invalid_type");
        expectError(server, 400, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"input_audio\"}]}]}",
                "messages[0].content[0].type", null);
        expectError(server, 400, "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}",
                "messages", null);
        expectError(server, 400, with("temperature", "hot"), "temperature", "invalid_type");
        expectError(server, 400, with("temperature", 3), "temperature", "invalid_value");
        expectError(server, 400, with("max_tokens", 0), "max_tokens", null);
        expectError(server, 400, with("top_p", 1.5), "top_p", null);
        expectError(server, 400, with("stop", List.of("a", "b", "c", "d", "e")), "stop", null);
        expectError(server, 400, with("stop", 7), "stop", null);
        expectError(server, 400, with("stream", "yes"), "stream", null);
        expectError(server, 400, with("n", 2), "n", null);
    }

    @Test
    void badImages() throws Exception {
        String notImage = "data:image/png;base64,AAAAAAAA";
        expectError(server, 400, TestSupport.request(2, TestSupport.userMessage("x", notImage)).toString(),
                "messages[0].content[0].image_url.url", "invalid_image");
        expectError(server, 400, TestSupport.request(2, TestSupport.userMessage("x", "data:image/png;base64,@@@")).toString(),
                "messages[0].content[0].image_url.url", null);
        expectError(server, 400, TestSupport.request(2, TestSupport.userMessage("x", "file:///etc/passwd")).toString(),
                "messages[0].content[0].image_url.url", null);
        JsonNode e = expectError(server, 400, TestSupport.request(2, TestSupport.userMessage("x", "http://127.0.0.1:1/a.png"))
                .toString(), "messages[0].content[0].image_url.url", "remote_images_disabled");
        assertTrue(e.get("message").asText().contains("--allow-remote-images"));
    }

    @Test
    void bodyLimitGives413() throws Exception {
        String big = TestSupport.request(2, TestSupport.message("user", "x".repeat(300_000))).toString();
        expectError(server, 413, big, null, "request_too_large");
        assertEquals(200, TestSupport.post(server, "/v1/chat/completions", ok()).statusCode(), "the server still answers");
    }

    @Test
    void contextOverflowIs400() throws Exception {
        VlmServer small = VlmServer.start(TestSupport.config().withContextSize(64), model);
        try {
            expectError(small, 400, TestSupport.request(2, TestSupport.message("user", "word ".repeat(100))).toString(),
                    "messages", "context_length_exceeded");
        } finally {
            small.close();
        }
    }

    @Test
    void apiKey() throws Exception {
        VlmServer keyed = VlmServer.start(TestSupport.config().withApiKey("s3cret"), model);
        try {
            expectError(keyed, 401, ok(), null, "invalid_api_key");
            expectError(keyed, 401, ok(), null, "invalid_api_key", "Authorization", "Bearer wrong");
            assertEquals(401, TestSupport.get(keyed, "/v1/models").statusCode());
            assertEquals(200, TestSupport.post(keyed, "/v1/chat/completions", ok(), "Authorization", "Bearer s3cret").statusCode());
            assertEquals(200, TestSupport.get(keyed, "/health").statusCode(), "health needs no key");
            assertEquals(200, TestSupport.get(keyed, "/").statusCode(), "the page needs no key");
        } finally {
            keyed.close();
        }
    }

    @Test
    void remoteImagesWhenAllowed() throws Exception {
        byte[] png = Files.readAllBytes(TestSupport.resource("/fixtures/images/img448.png"));
        Javalin images = Javalin.create(c -> c.showJavalinBanner = false)
                .get("/img.png", ctx -> ctx.contentType("image/png").result(png))
                .get("/big.png", ctx -> ctx.contentType("image/png").result(new byte[png.length * 3]))
                .get("/slow.png", ctx -> {
                    Thread.sleep(3000);
                    ctx.result(png);
                })
                .start("127.0.0.1", 0);
        VlmServer remote = VlmServer.start(TestSupport.config().withRemoteImages(true, png.length * 2L, 1000), model);
        try {
            String base = "http://127.0.0.1:" + images.port();
            HttpResponse<String> res = TestSupport.post(remote, "/v1/chat/completions",
                    TestSupport.request(32, TestSupport.userMessage("Describe the image.", base + "/img.png")).toString());
            assertEquals(200, res.statusCode(), res.body());
            assertEquals(TestSupport.goldenText("M1"), JSON.readTree(res.body()).get("choices").get(0).get("message").get("content").asText());
            JsonNode e = expectError(remote, 400, TestSupport.request(2, TestSupport.userMessage("x", base + "/big.png")).toString(),
                    "messages[0].content[0].image_url.url", null);
            assertTrue(e.get("message").asText().contains("larger than"), e.toString());
            e = expectError(remote, 400, TestSupport.request(2, TestSupport.userMessage("x", base + "/slow.png")).toString(),
                    "messages[0].content[0].image_url.url", null);
            assertTrue(e.get("message").asText().contains("longer than"), e.toString());
            expectError(remote, 400, TestSupport.request(2, TestSupport.userMessage("x", base + "/missing.png")).toString(),
                    "messages[0].content[0].image_url.url", null);
        } finally {
            remote.close();
            images.stop();
        }
    }

    @Test
    void unknownEndpointsAreJsonErrors() throws Exception {
        HttpResponse<String> res = TestSupport.get(server, "/v1/nothing");
        assertEquals(404, res.statusCode());
        assertEquals("not_found", JSON.readTree(res.body()).get("error").get("code").asText());
    }
}
