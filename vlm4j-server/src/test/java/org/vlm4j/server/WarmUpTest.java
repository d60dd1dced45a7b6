package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlm4j.server.TestSupport.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * {@link VlmServer#warmUpInBackground}: a request that arrives while the warm-up runs gets the
 * golden answer, and closing the server waits for the warm-up (which must never touch a closed
 * model).
 */
class WarmUpTest {

    @Test
    void aRequestDuringTheWarmUpGetsTheGoldenAnswer() throws Exception {
        try (VisionLanguageModel model = TestSupport.loadModel()) {
            VlmServer server = VlmServer.start(TestSupport.config(), model);
            try {
                server.warmUpInBackground();
                server.warmUpInBackground(); // idempotent
                ObjectNode req = TestSupport.request(32, TestSupport.userMessage("Describe the image.",
                        TestSupport.dataUrl("img448.png")));
                HttpResponse<String> res = TestSupport.post(server, "/v1/chat/completions", req.toString());
                assertEquals(200, res.statusCode(), res.body());
                JsonNode r = JSON.readTree(res.body());
                assertEquals(TestSupport.goldenText("M1"), r.get("choices").get(0).get("message").get("content").asText());
            } finally {
                server.close();
            }
            assertFalse(server.warmingUp(), "close() waits for the warm-up");
        }
    }

    @Test
    void closingRightAfterTheStartStopsTheWarmUp() throws Exception {
        try (VisionLanguageModel model = TestSupport.loadModel()) {
            VlmServer server = VlmServer.start(TestSupport.config(), model);
            server.warmUpInBackground();
            assertTrue(server.warmUpStarted());
            server.close();
            assertFalse(server.warmingUp());
        }
    }

    @Test
    void noWarmUpStartsAfterClose() throws Exception {
        try (VisionLanguageModel model = TestSupport.loadModel()) {
            VlmServer server = VlmServer.start(TestSupport.config(), model);
            server.close();
            server.warmUpInBackground();
            assertFalse(server.warmUpStarted(), "a warm-up started after close() would run on a model its owner may close");
        }
    }
}
