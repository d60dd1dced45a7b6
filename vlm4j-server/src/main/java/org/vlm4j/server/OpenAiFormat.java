package org.vlm4j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON objects of the OpenAI chat API that the server sends: {@code chat.completion},
 * {@code chat.completion.chunk}, {@code usage}, the model list and error objects.
 */
final class OpenAiFormat {
    private final ObjectMapper mapper;
    private final String model;

    OpenAiFormat(ObjectMapper mapper, String model) {
        this.mapper = mapper;
        this.model = model;
    }

    ObjectNode completion(String id, long created, ChatEngine.Result r) {
        ObjectNode o = head(id, created, "chat.completion");
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", r.text());
        choice.putNull("logprobs");
        choice.put("finish_reason", r.finishReason());
        o.set("usage", usage(r));
        o.set("timings", timings(r));
        return o;
    }

    /** A streamed chunk with one choice whose delta is {@code delta} (null = empty delta). */
    ObjectNode chunk(String id, long created, ObjectNode delta, String finishReason) {
        ObjectNode o = head(id, created, "chat.completion.chunk");
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta == null ? mapper.createObjectNode() : delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return o;
    }

    ObjectNode roleDelta() {
        ObjectNode d = mapper.createObjectNode();
        d.put("role", "assistant");
        d.put("content", "");
        return d;
    }

    ObjectNode contentDelta(String text) {
        ObjectNode d = mapper.createObjectNode();
        d.put("content", text);
        return d;
    }

    /** The last chunk of {@code stream_options.include_usage}: empty choices and the usage. */
    ObjectNode usageChunk(String id, long created, ChatEngine.Result r) {
        ObjectNode o = head(id, created, "chat.completion.chunk");
        o.putArray("choices");
        o.set("usage", usage(r));
        o.set("timings", timings(r));
        return o;
    }

    ObjectNode usage(ChatEngine.Result r) {
        ObjectNode u = mapper.createObjectNode();
        u.put("prompt_tokens", r.promptTokens());
        u.put("completion_tokens", r.completionTokens());
        u.put("total_tokens", r.promptTokens() + r.completionTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", r.cachedTokens());
        return u;
    }

    /** llama-server style timings (non-standard; clients ignore unknown fields). */
    ObjectNode timings(ChatEngine.Result r) {
        ObjectNode t = mapper.createObjectNode();
        t.put("prompt_n", r.promptTokens() - r.cachedTokens());
        t.put("prompt_ms", r.promptMillis());
        t.put("predicted_n", r.completionTokens());
        t.put("predicted_ms", r.generateMillis());
        t.put("predicted_per_second", r.tokensPerSecond());
        return t;
    }

    ObjectNode models(long created) {
        ObjectNode o = mapper.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        ObjectNode m = data.addObject();
        m.put("id", model);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "vlm4j");
        return o;
    }

    ObjectNode error(ApiException e) {
        ObjectNode o = mapper.createObjectNode();
        ObjectNode err = o.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        if (e.code() == null) {
            err.putNull("code");
        } else {
            err.put("code", e.code());
        }
        return o;
    }

    private ObjectNode head(String id, long created, String object) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        o.put("system_fingerprint", "vlm4j");
        return o;
    }
}
