package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlm4j.server.TestSupport.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * {@code /v1/chat/completions} against the reference: greedy answers (temperature 0) equal the
 * llama.cpp golden paths of the tiny model, streamed or not; the SSE framing follows OpenAI; a
 * request that extends the previous dialogue reuses the slot's KV cache.
 */
class ChatCompletionsTest {
    static VisionLanguageModel model;
    static VlmServer server;
    static String img448;

    @BeforeAll
    static void start() throws Exception {
        model = TestSupport.loadModel();
        server = VlmServer.start(TestSupport.config(), model);
        img448 = TestSupport.dataUrl("img448.png");
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    @Test
    void nonStreamedGreedyAnswerIsTheGolden() throws Exception {
        ObjectNode req = TestSupport.request(32, TestSupport.userMessage("Describe the image.", img448));
        HttpResponse<String> res = TestSupport.post(server, "/v1/chat/completions", req.toString());
        assertEquals(200, res.statusCode(), res.body());
        JsonNode r = JSON.readTree(res.body());
        assertEquals("chat.completion", r.get("object").asText());
        assertTrue(r.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = r.get("choices").get(0);
        assertEquals(TestSupport.goldenText("M1"), choice.get("message").get("content").asText());
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals("stop", choice.get("finish_reason").asText(), "the golden path stops at <|im_end|> (index 14)");
        JsonNode u = r.get("usage");
        assertEquals(425, u.get("prompt_tokens").asInt(), "system + user turn with one 256-row tile");
        assertEquals(14, u.get("completion_tokens").asInt());
        assertEquals(439, u.get("total_tokens").asInt());
    }

    @Test
    void streamedGreedyAnswerIsTheGoldenInOpenAiFraming() throws Exception {
        ObjectNode req = TestSupport.request(32, TestSupport.userMessage("Describe the image.", img448));
        req.put("stream", true);
        req.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> res = TestSupport.post(server, "/v1/chat/completions", req.toString());
        assertEquals(200, res.statusCode(), res.body());
        assertTrue(res.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> ev = TestSupport.events(res.body());
        assertEquals("[DONE]", ev.getLast().asText());
        JsonNode first = ev.getFirst();
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        String finish = null;
        int contentChunks = 0;
        for (JsonNode e : ev.subList(1, ev.size() - 2)) {
            assertEquals(first.get("id").asText(), e.get("id").asText());
            JsonNode c = e.get("choices").get(0);
            if (c.get("delta").has("content")) {
                text.append(c.get("delta").get("content").asText());
                contentChunks++;
            }
            if (!c.get("finish_reason").isNull()) {
                finish = c.get("finish_reason").asText();
            }
        }
        assertEquals(TestSupport.goldenText("M1"), text.toString());
        assertEquals("stop", finish);
        assertTrue(contentChunks > 5, "streamed piece by piece");
        JsonNode usage = ev.get(ev.size() - 2);
        assertEquals(0, usage.get("choices").size());
        assertEquals(14, usage.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void lengthStopAndStopStrings() throws Exception {
        ObjectNode req = TestSupport.request(5, TestSupport.userMessage("Describe the image.", img448));
        JsonNode r = JSON.readTree(TestSupport.post(server, "/v1/chat/completions", req.toString()).body());
        assertEquals("length", r.get("choices").get(0).get("finish_reason").asText());
        assertEquals(5, r.get("usage").get("completion_tokens").asInt());
        assertTrue(TestSupport.goldenText("M1").startsWith(r.get("choices").get(0).get("message").get("content").asText()));

        String golden = TestSupport.goldenText("M1");
        // "to food way..." : cut at the first occurrence of " way"
        req = TestSupport.request(32, TestSupport.userMessage("Describe the image.", img448));
        req.putArray("stop").add("zzz").add(" way");
        for (boolean stream : new boolean[] {false, true}) {
            req.put("stream", stream);
            String body = TestSupport.post(server, "/v1/chat/completions", req.toString()).body();
            String text;
            String finish;
            if (stream) {
                StringBuilder sb = new StringBuilder();
                finish = null;
                for (JsonNode e : TestSupport.events(body)) {
                    if (e.isObject() && e.get("choices").size() > 0) {
                        JsonNode c = e.get("choices").get(0);
                        if (c.get("delta").has("content")) {
                            sb.append(c.get("delta").get("content").asText());
                        }
                        if (!c.get("finish_reason").isNull()) {
                            finish = c.get("finish_reason").asText();
                        }
                    }
                }
                text = sb.toString();
            } else {
                JsonNode c = JSON.readTree(body).get("choices").get(0);
                text = c.get("message").get("content").asText();
                finish = c.get("finish_reason").asText();
            }
            assertEquals(golden.substring(0, golden.indexOf(" way")), text, "stream=" + stream);
            assertEquals("stop", finish);
        }
    }

    @Test
    void secondTurnReusesTheSlotCacheAndFollowsTheReference() throws Exception {
        VlmServer own = VlmServer.start(TestSupport.config(), model);
        try {
            ObjectNode first = TestSupport.userMessage("Describe the image.", img448);
            JsonNode r1 = JSON.readTree(TestSupport.post(own, "/v1/chat/completions",
                    TestSupport.request(32, first).toString()).body());
            String answer = r1.get("choices").get(0).get("message").get("content").asText();
            assertEquals(0, r1.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt());

            ObjectNode req2 = TestSupport.request(32, first, TestSupport.message("assistant", answer),
                    TestSupport.message("user", "What colors do you see?"));
            JsonNode r2 = JSON.readTree(TestSupport.post(own, "/v1/chat/completions", req2.toString()).body());
            int cached = r2.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt();
            assertEquals(425 + 14, cached, "the first turn and its answer come from the cache");
            assertEquals(r2.get("usage").get("prompt_tokens").asInt() - cached, r2.get("timings").get("prompt_n").asInt());
            assertTrue(r2.get("timings").get("prompt_n").asInt() < 30, "only the new message is computed");
            // the cache holds the generated ids, so this is exactly the reference's second turn (M3)
            JsonNode g = JSON.readTree(TestSupport.resource("/fixtures/tiny/text/M3.f32.json").toFile());
            assertEquals(g.get("n_prompt").asInt(), r2.get("usage").get("prompt_tokens").asInt());
            String m3 = TestSupport.goldenText("M3");
            String got = r2.get("choices").get(0).get("message").get("content").asText();
            assertEquals(m3.substring(0, Math.min(m3.length(), got.length())), got);
            assertTrue(m3.startsWith(got));

            // a different history cannot continue: recomputed from scratch
            ObjectNode req3 = TestSupport.request(4, first, TestSupport.message("assistant", "something else"),
                    TestSupport.message("user", "What colors do you see?"));
            JsonNode r3 = JSON.readTree(TestSupport.post(own, "/v1/chat/completions", req3.toString()).body());
            assertEquals(0, r3.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt());
        } finally {
            own.close();
        }
    }

    @Test
    void systemMessageReplacesTheDefault() throws Exception {
        ObjectNode req = TestSupport.request(3, TestSupport.message("system", "Be brief."), TestSupport.message("user", "Hi"));
        JsonNode r = JSON.readTree(TestSupport.post(server, "/v1/chat/completions", req.toString()).body());
        int expected = model.tokenizer().encode("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n").length;
        assertEquals(expected, r.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void modelsHealthMetricsAndPage() throws Exception {
        JsonNode models = JSON.readTree(TestSupport.get(server, "/v1/models").body());
        assertEquals("list", models.get("object").asText());
        assertEquals("tiny-f32", models.get("data").get(0).get("id").asText());
        HttpResponse<String> h = TestSupport.get(server, "/health");
        assertEquals(200, h.statusCode());
        assertEquals("ok", JSON.readTree(h.body()).get("status").asText());
        String metrics = TestSupport.get(server, "/metrics").body();
        assertTrue(metrics.contains("# TYPE vlm4j_http_requests_total counter"), metrics);
        assertTrue(metrics.contains("vlm4j_http_requests_total{status=\"200\"}"), metrics);
        assertEquals(0, TestSupport.metric(server, "vlm4j_slots_busy"));
        assertEquals(1, TestSupport.metric(server, "vlm4j_slots"));
        HttpResponse<String> page = TestSupport.get(server, "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("app.js"));
        assertEquals(200, TestSupport.get(server, "/app.js").statusCode());
        assertEquals(200, TestSupport.get(server, "/style.css").statusCode());
    }
}
