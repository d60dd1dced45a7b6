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
            assertEquals(200, TestSupport.post(keyed, "/v1/chat/completions", ok(), "Authorization", "bearer s3cret").statusCode(),
                    "the scheme is case-insensitive");
            expectError(keyed, 401, ok(), null, "invalid_api_key", "Authorization", "Basic s3cret");
            expectError(keyed, 401, ok(), null, "invalid_api_key", "Authorization", "s3cret");
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
    void strictJsonAndUnsupportedFields() throws Exception {
        // one JSON value, nothing after it
        expectError(server, 400, ok() + " garbage", null, "invalid_json");
        expectError(server, 400, ok() + "{\"a\":1}", null, "invalid_json");
        // an overlong UTF-8 form of '/' inside a string (Jackson alone accepts it)
        byte[] head = "{\"messages\":[{\"role\":\"user\",\"content\":\"a".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] tail = "\"}],\"max_tokens\":2}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] overlong = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, overlong, 0, head.length);
        overlong[head.length] = (byte) 0xC0;
        overlong[head.length + 1] = (byte) 0xAF;
        System.arraycopy(tail, 0, overlong, head.length + 2, tail.length);
        HttpResponse<String> res = TestSupport.HTTP.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(TestSupport.base(server) + "/v1/chat/completions"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(overlong)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, res.statusCode(), res.body());
        assertEquals("invalid_json", JSON.readTree(res.body()).get("error").get("code").asText(), res.body());
        // a top_p that is 0 in single precision: 400, not the sampler's internal error
        JsonNode e = expectError(server, 400, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"top_p\":1e-46}",
                "top_p", "invalid_value");
        assertTrue(e.get("message").asText().contains("single precision"), e.toString());
        e = expectError(server, 400, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"seed\":9223372036854775808}",
                "seed", "invalid_value");
        assertTrue(e.get("message").asText().contains("9223372036854775807"), e.toString());
        // features this server does not have are refused, not ignored
        expectError(server, 400, with("logit_bias", java.util.Map.of("15", 5)), "logit_bias", null);
        expectError(server, 400, with("logit_bias", 5), "logit_bias", null);
        expectError(server, 400, with("functions", List.of(java.util.Map.of("name", "f"))), "functions", null);
        expectError(server, 400, with("tool_choice", "required"), "tool_choice", null);
        expectError(server, 400, with("function_call", "auto"), "function_call", null);
        expectError(server, 400, with("top_logprobs", 3), "top_logprobs", null);
        assertEquals(200, TestSupport.post(server, "/v1/chat/completions", with("tool_choice", "none")).statusCode());
        assertEquals(200, TestSupport.post(server, "/v1/chat/completions", with("logit_bias", java.util.Map.of())).statusCode());
    }

    @Test
    void invalidBase64IsNamedOnce() throws Exception {
        JsonNode e = expectError(server, 400, TestSupport.request(2, TestSupport.userMessage("x", "data:image/png;base64,!!!!@@@@")).toString(),
                "messages[0].content[0].image_url.url", null);
        String m = e.get("message").asText();
        assertTrue(m.contains("base64"), m);
        // base64 split over lines is still accepted
        String wrapped = TestSupport.dataUrl("img_photo.jpg").replaceAll("(.{76})", "$1\r\n");
        assertEquals(200, TestSupport.post(server, "/v1/chat/completions",
                TestSupport.request(2, TestSupport.userMessage("x", wrapped)).toString()).statusCode());
        // a corrupt image's message names the field once, then the problem
        e = expectError(server, 400, TestSupport.request(2, TestSupport.userMessage("x", "data:image/png;base64,AAAAAAAA")).toString(),
                "messages[0].content[0].image_url.url", "invalid_image");
        m = e.get("message").asText();
        assertEquals(m.indexOf("messages[0]"), m.lastIndexOf("messages[0]"), m);
    }

    @Test
    void imagesOverThePixelLimitOfARequest() throws Exception {
        // a model whose pictures may hold 250,000 pixels per message: one 448 x 448 picture (200,704)
        // fits, and the same one twice (counted once), but not with a 300 x 200 one (60,000) beside it
        try (VisionLanguageModel small = VisionLanguageModel.load(TestSupport.textModel(), TestSupport.visionModel(),
                org.vlm4j.chat.LoadOptions.DEFAULTS.withThreads(2).withMaxPixels(250_000))) {
            VlmServer s = VlmServer.start(TestSupport.config(), small);
            try {
                String other = TestSupport.dataUrl("img300x200.png");
                assertEquals(200, TestSupport.post(s, "/v1/chat/completions",
                        TestSupport.request(2, TestSupport.userMessage("x", img)).toString()).statusCode());
                assertEquals(200, TestSupport.post(s, "/v1/chat/completions",
                        TestSupport.request(2, TestSupport.userMessage("x", img, img)).toString()).statusCode(), "counted once");
                JsonNode e = expectError(s, 400, TestSupport.request(2, TestSupport.userMessage("x", img, other)).toString(),
                        "messages[0].content[1].image_url.url", "too_many_pixels");
                assertTrue(e.get("message").asText().contains("260704 pixels"), e.toString());
                // a picture resent with the history (as OpenAI clients do) is decoded only for its own turn
                com.fasterxml.jackson.databind.node.ObjectNode turns = TestSupport.request(2, TestSupport.userMessage("x", img),
                        TestSupport.message("assistant", "ok"), TestSupport.userMessage("y", img));
                assertEquals(200, TestSupport.post(s, "/v1/chat/completions", turns.toString()).statusCode());
                assertEquals(0, s.imagePixelsHeld(), "the refused request gave its pixels back");
                assertEquals(200, TestSupport.post(s, "/v1/chat/completions",
                        TestSupport.request(2, TestSupport.userMessage("x", img)).toString()).statusCode(), "the server still answers");
                assertEquals(0, s.imagePixelsHeld());
            } finally {
                s.close();
            }
        }
    }

    @Test
    void imagesWithoutAVisionModel() throws Exception {
        try (VisionLanguageModel textOnly = VisionLanguageModel.load(TestSupport.textModel(), null,
                org.vlm4j.chat.LoadOptions.DEFAULTS.withThreads(2))) {
            VlmServer s = VlmServer.start(TestSupport.config(), textOnly);
            try {
                JsonNode e = expectError(s, 400, TestSupport.request(2, TestSupport.userMessage("x", img)).toString(),
                        "messages[0].content[0]", "images_not_supported");
                assertTrue(e.get("message").asText().contains("--mmproj"), e.toString());
                assertEquals(200, TestSupport.post(s, "/v1/chat/completions", ok()).statusCode());
            } finally {
                s.close();
            }
        }
    }

    @Test
    void wrongMethodIs405() throws Exception {
        HttpResponse<String> res = TestSupport.get(server, "/v1/chat/completions");
        assertEquals(405, res.statusCode(), res.body());
        JsonNode e = JSON.readTree(res.body()).get("error");
        assertEquals("method_not_allowed", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("GET"), e.toString());
        assertEquals("POST", res.headers().firstValue("Allow").orElse(""));
        assertEquals(405, TestSupport.post(server, "/health", "{}").statusCode());
        assertEquals(404, TestSupport.post(server, "/v1/nothing", "{}").statusCode());
    }

    /** Requests Jetty cannot parse get the same JSON error objects (they used to be HTML pages). */
    @Test
    void unparsableRequestsAreJsonErrors() throws Exception {
        for (String raw : new String[] {
                "GET /%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n"}) {
            String response = rawExchange(raw);
            assertTrue(response.startsWith("HTTP/1.1 400"), response);
            assertTrue(response.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), response);
            JsonNode e = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("error");
            assertEquals("bad_request", e.get("code").asText(), response);
            assertTrue(e.get("message").asText().startsWith("the request could not be read"), response);
        }
    }

    private static String rawExchange(String request) throws Exception {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.port())) {
            sock.setSoTimeout(10_000);
            sock.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            sock.getOutputStream().flush();
            return new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void unknownEndpointsAreJsonErrors() throws Exception {
        HttpResponse<String> res = TestSupport.get(server, "/v1/nothing");
        assertEquals(404, res.statusCode());
        assertEquals("not_found", JSON.readTree(res.body()).get("error").get("code").asText());
    }
}
