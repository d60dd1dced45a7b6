package org.vlm4j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a streamed answer as OpenAI server-sent events: a first chunk with the assistant role,
 * one chunk per piece of text, a last chunk with the finish reason, optionally a usage chunk, then
 * {@code data: [DONE]}. The response is committed only when the first piece arrives, so errors found
 * before generation (a prompt that does not fit) still get an ordinary JSON error response. Every
 * event is flushed; a failed write means the client is gone.
 *
 * <p>While the request waits in the queue for a slot, {@link #stillWanted()} sends an SSE comment
 * about once a second: that commits the response early (later errors then arrive as error events),
 * but it is the only way to learn that a client left, so that it gives up its place in the queue.
 */
final class SseWriter implements ChatEngine.Sink {
    private final HttpServletResponse res;
    private final ObjectMapper mapper;
    private final OpenAiFormat format;
    private final String id;
    private final long created;
    private OutputStream out;
    private boolean roleSent;

    SseWriter(HttpServletResponse res, ObjectMapper mapper, OpenAiFormat format, String id, long created) {
        this.res = res;
        this.mapper = mapper;
        this.format = format;
        this.id = id;
        this.created = created;
    }

    boolean started() {
        return out != null;
    }

    @Override
    public void text(String piece) throws IOException {
        start();
        event(format.chunk(id, created, format.contentDelta(piece), null));
    }

    void finish(ChatEngine.Result r, boolean includeUsage) throws IOException {
        start();
        event(format.chunk(id, created, null, r.finishReason()));
        if (includeUsage) {
            event(format.usageChunk(id, created, r));
        }
        done();
    }

    /** An error after the stream started: an error event, then the end of the stream. */
    void fail(ApiException e) throws IOException {
        start();
        event(format.error(e));
        done();
    }

    /** A keep-alive comment while waiting for a slot; false when the write failed (client gone). */
    @Override
    public boolean stillWanted() {
        try {
            open();
            out.write(": waiting for a free slot\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void start() throws IOException {
        open();
        if (!roleSent) {
            roleSent = true;
            event(format.chunk(id, created, format.roleDelta(), null));
        }
    }

    /** Commits the response: status 200 and the event-stream headers. */
    private void open() throws IOException {
        if (out != null) {
            return;
        }
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        out = res.getOutputStream();
    }

    private void event(ObjectNode o) throws IOException {
        out.write(("data: " + mapper.writeValueAsString(o) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void done() throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
