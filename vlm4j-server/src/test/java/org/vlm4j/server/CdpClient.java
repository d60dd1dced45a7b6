package org.vlm4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A minimal Chrome DevTools Protocol client over the JDK WebSocket (commands and their results only). */
final class CdpClient implements AutoCloseable {
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    CdpClient(String url) throws Exception {
        this.ws = TestSupport.HTTP.newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() {
            private final StringBuilder buf = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    try {
                        JsonNode msg = TestSupport.JSON.readTree(buf.toString());
                        if (msg.has("id")) {
                            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                            if (f != null) {
                                f.complete(msg);
                            }
                        }
                    } catch (Exception e) {
                        // ignore unparsable events
                    }
                    buf.setLength(0);
                }
                w.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    JsonNode send(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode cmd = TestSupport.JSON.createObjectNode();
        cmd.put("id", id);
        cmd.put("method", method);
        cmd.set("params", params == null ? TestSupport.JSON.createObjectNode() : params);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ws.sendText(cmd.toString(), true).get(10, TimeUnit.SECONDS);
        JsonNode res = f.get(60, TimeUnit.SECONDS);
        if (res.has("error")) {
            throw new AssertionError(method + " failed: " + res.get("error"));
        }
        return res.get("result");
    }

    /** Evaluates {@code js} in the page (awaiting a promise) and returns its value. */
    JsonNode eval(String js) throws Exception {
        ObjectNode p = TestSupport.JSON.createObjectNode();
        p.put("expression", js);
        p.put("awaitPromise", true);
        p.put("returnByValue", true);
        JsonNode r = send("Runtime.evaluate", p);
        if (r.has("exceptionDetails")) {
            throw new AssertionError("page script failed: " + r.get("exceptionDetails"));
        }
        return r.get("result").get("value");
    }

    @Override
    public void close() {
        ws.abort();
    }
}
