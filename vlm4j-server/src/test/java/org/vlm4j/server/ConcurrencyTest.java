package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlm4j.server.TestSupport.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * Slots and queue: concurrent clients are all answered or cleanly refused (503 + Retry-After), none
 * hangs, slots are free afterwards; a client that leaves mid-stream cancels its answer and frees
 * its slot.
 */
class ConcurrencyTest {
    static VisionLanguageModel model;

    @BeforeAll
    static void load() throws Exception {
        model = TestSupport.loadModel();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A request that keeps generating (past end-of-turn) for a long time. */
    static String longStream() {
        ObjectNode r = TestSupport.request(3000, TestSupport.message("user", "Tell me a long story."));
        r.put("stream", true);
        r.put("ignore_eos", true);
        return r.toString();
    }

    /** Opens a raw streaming request and returns once its first event arrived. */
    static Socket openStream(VlmServer s) throws Exception {
        Socket sock = sendStream(s);
        readUntil(sock, "\"content\"");
        return sock;
    }

    /** Sends a raw streaming request (the long one) without reading anything. */
    static Socket sendStream(VlmServer s) throws Exception {
        Socket sock = new Socket("127.0.0.1", s.port());
        sock.setSoTimeout(30_000);
        byte[] body = longStream().getBytes(StandardCharsets.UTF_8);
        OutputStream out = sock.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return sock;
    }

    /** Reads the response of {@code sock} (status 200 expected) until a line containing {@code text}. */
    static void readUntil(Socket sock, String text) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        assertTrue(status.contains(" 200 "), status);
        for (String line; (line = in.readLine()) != null; ) {
            if (line.contains(text)) {
                return;
            }
        }
        throw new AssertionError("stream ended before '" + text + "'");
    }

    static void awaitQueueDepth(VlmServer s, int depth) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (s.queueDepth() != depth) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("queue depth " + s.queueDepth() + ", expected " + depth);
            }
            Thread.sleep(10);
        }
    }

    static void awaitIdle(VlmServer s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (s.busySlots() > 0 || s.queueDepth() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("slots still busy: " + s.busySlots() + ", queued: " + s.queueDepth());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void eightClientsOnTwoSlots() throws Exception {
        VlmServer s = VlmServer.start(TestSupport.config().withSlots(2, 3), model);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            String body = TestSupport.request(24, TestSupport.message("user", "Count to ten.")).toString();
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                fs.add(pool.submit(() -> TestSupport.HTTP.send(HttpRequest.newBuilder(URI.create(TestSupport.base(s)
                        + "/v1/chat/completions")).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())));
            }
            Set<String> answers = new HashSet<>();
            int ok = 0;
            for (Future<HttpResponse<String>> f : fs) {
                HttpResponse<String> r = f.get(90, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    ok++;
                    answers.add(JSON.readTree(r.body()).get("choices").get(0).get("message").get("content").asText());
                } else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                    assertEquals("server_busy", JSON.readTree(r.body()).get("error").get("code").asText());
                }
            }
            assertTrue(ok >= 2, "at least the two slots answered, got " + ok);
            assertEquals(1, answers.size(), "greedy answers are the same on every slot: " + answers);
            awaitIdle(s);
            assertEquals(0, TestSupport.metric(s, "vlm4j_slots_busy"));
            assertEquals(0, TestSupport.metric(s, "vlm4j_queue_depth"));
        } finally {
            pool.shutdownNow();
            s.close();
        }
    }

    @Test
    void fullQueueGives503AndDisconnectFreesTheSlot() throws Exception {
        VlmServer s = VlmServer.start(TestSupport.config().withSlots(1, 0), model);
        try {
            Socket sock = openStream(s);
            assertEquals(1, s.busySlots());
            HttpResponse<String> busy = TestSupport.post(s, "/v1/chat/completions",
                    TestSupport.request(2, TestSupport.message("user", "Hi")).toString());
            assertEquals(503, busy.statusCode(), busy.body());
            assertTrue(busy.headers().firstValue("Retry-After").isPresent());
            sock.close(); // the client leaves mid-stream
            awaitIdle(s);
            assertEquals(1, TestSupport.metric(s, "vlm4j_completions_cancelled_total"));
            assertTrue(TestSupport.metric(s, "vlm4j_completion_tokens_total") < 3000, "stopped long before max_tokens");
            HttpResponse<String> again = TestSupport.post(s, "/v1/chat/completions",
                    TestSupport.request(2, TestSupport.message("user", "Hi")).toString());
            assertEquals(200, again.statusCode(), again.body());
            JsonNode r = JSON.readTree(again.body());
            assertEquals(2, r.get("usage").get("completion_tokens").asInt());
        } finally {
            s.close();
        }
    }

    @Test
    void queuedRequestWaitsForTheSlot() throws Exception {
        VlmServer s = VlmServer.start(TestSupport.config().withSlots(1, 1), model);
        try {
            Socket sock = openStream(s);
            Future<HttpResponse<String>> queued = Executors.newVirtualThreadPerTaskExecutor().submit(() ->
                    TestSupport.post(s, "/v1/chat/completions", TestSupport.request(2, TestSupport.message("user", "Hi")).toString()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (s.queueDepth() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, s.queueDepth());
            assertEquals(1, TestSupport.metric(s, "vlm4j_queue_depth"));
            sock.close();
            assertEquals(200, queued.get(30, TimeUnit.SECONDS).statusCode());
            awaitIdle(s);
        } finally {
            s.close();
        }
    }

    @Test
    void queuedStreamingClientThatLeavesGivesUpItsPlace() throws Exception {
        VlmServer s = VlmServer.start(TestSupport.config().withSlots(1, 1), model);
        SlotPool.checkMillis = 50; // the server checks every second; the holder below would finish first
        try {
            Socket holder = openStream(s); // takes the only slot
            Socket waiting = sendStream(s);
            awaitQueueDepth(s, 1);
            readUntil(waiting, ": waiting for a free slot"); // the keep-alive comment of a queued stream
            waiting.close(); // the client gives up while queued
            awaitQueueDepth(s, 0);
            assertEquals(1, TestSupport.metric(s, "vlm4j_queue_abandoned_total"), "it left the queue, not through the slot");
            holder.close();
            awaitIdle(s);
            assertEquals(1, TestSupport.metric(s, "vlm4j_completions_total"), "only the holder's answer was computed");
        } finally {
            SlotPool.checkMillis = SlotPool.CHECK_MILLIS;
            s.close();
        }
    }
}
