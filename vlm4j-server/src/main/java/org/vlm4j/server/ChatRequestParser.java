package org.vlm4j.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.vlm4j.chat.SamplerConfig;

/**
 * Reads and validates the JSON body of {@code POST /v1/chat/completions} (the OpenAI schema plus a
 * few llama-server extensions) into a {@link ChatRequest}. Every problem is an {@link ApiException}
 * (400) whose {@code param} names the field, e.g. {@code messages[2].content[0].image_url.url}.
 *
 * <p>Messages: {@code system}/{@code developer} messages are joined (newline) into the system
 * prompt; consecutive user (or assistant) messages are joined into one turn; the content parts of
 * a user message stay in order, an image part where it stands (followed by a line break, as
 * InternVL's {@code <image>\n}), text parts as they are; text that says "&lt;image&gt;" stays
 * text. The last message must come from the user.
 *
 * <p>Sampling: {@code temperature} (default 1; 0 = greedy), {@code top_p}, {@code seed}, and the
 * extensions {@code top_k}, {@code min_p}, {@code repeat_penalty}, {@code repeat_last_n},
 * {@code ignore_eos}. No repetition penalty unless asked: {@code repeat_penalty} directly, or the
 * larger positive one of {@code frequency_penalty}/{@code presence_penalty} as a multiplicative
 * penalty {@code 1 + x/2} over the last 64 tokens (so 2, their maximum, halves the logits of repeats).
 */
final class ChatRequestParser {
    static final int MAX_STOPS = 4;
    private final ObjectMapper mapper;
    private final ImageLoader images;
    private final boolean vision;

    /**
     * @param vision whether the model can see images; without a vision model an image part is a
     *     400 naming it
     */
    ChatRequestParser(ObjectMapper mapper, ImageLoader images, boolean vision) {
        this.mapper = mapper;
        this.images = images;
        this.vision = vision;
    }

    /** Parses a request body; its images are checked as data but decoded only when their turn is computed. */
    ChatRequest parse(byte[] body) {
        checkUtf8(body);
        JsonNode root;
        try {
            // one JSON value and nothing after it (Jackson stops after the first value by default)
            root = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(body);
        } catch (JacksonException e) {
            throw new ApiException(400, "invalid_request_error", null, "invalid_json",
                    "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiException(400, "invalid_request_error", null, "invalid_json", "the body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ApiException(400, "invalid_request_error", null, "invalid_json", "the body must be a JSON object");
        }
        optString(root, "model");
        int n = optInt(root, "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) {
            throw ApiException.invalid("n", "'n' must be 1: this server makes one choice per request");
        }
        boolean stream = optBool(root, "stream", false);
        boolean includeUsage = false;
        JsonNode so = root.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw ApiException.wrongType("stream_options", "an object");
            }
            includeUsage = optBool(so, "include_usage", "stream_options.include_usage", false);
        }
        int maxTokens = optInt(root, "max_completion_tokens", -1, 1, Integer.MAX_VALUE);
        if (maxTokens < 0) {
            maxTokens = optInt(root, "max_tokens", -1, 1, Integer.MAX_VALUE);
        }
        if (optBool(root, "logprobs", false)) {
            throw ApiException.invalid("logprobs", "'logprobs' is not supported by this server");
        }
        JsonNode topLogprobs = root.get("top_logprobs");
        if (topLogprobs != null && !topLogprobs.isNull() && !(topLogprobs.isIntegralNumber() && topLogprobs.asLong() == 0)) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' is not supported by this server (no log probabilities)");
        }
        for (String field : new String[] {"tools", "functions"}) {
            JsonNode tools = root.get(field);
            if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty())) {
                throw ApiException.invalid(field, "'" + field + "' (function calling) is not supported by this server");
            }
        }
        for (String field : new String[] {"tool_choice", "function_call"}) {
            JsonNode choice = root.get(field);
            if (choice != null && !choice.isNull() && !(choice.isTextual() && choice.asText().equals("none"))) {
                throw ApiException.invalid(field, "'" + field + "' is not supported by this server (no function calling);"
                        + " only \"none\" is accepted");
            }
        }
        JsonNode bias = root.get("logit_bias");
        if (bias != null && !bias.isNull() && !(bias.isObject() && bias.isEmpty())) {
            throw ApiException.invalid("logit_bias", "'logit_bias' is not supported by this server");
        }
        JsonNode rf = root.get("response_format");
        if (rf != null && !rf.isNull()) {
            String t = rf.isObject() && rf.get("type") != null ? rf.get("type").asText() : "";
            if (!"text".equals(t)) {
                throw ApiException.invalid("response_format", "only response_format {\"type\": \"text\"} is supported");
            }
        }
        SamplerConfig sampler = sampler(root);
        List<String> stops = stops(root.get("stop"));
        boolean ignoreEos = optBool(root, "ignore_eos", false);
        return messages(root.get("messages"), stream, includeUsage, maxTokens, sampler, stops, ignoreEos);
    }

    /**
     * JSON is UTF-8 (RFC 8259); Jackson accepts some malformed sequences (overlong forms such as
     * C0 AF for '/'), which a strict decoder refuses. Bodies that start like UTF-16 or UTF-32 (a
     * zero byte among the first two, or a byte order mark) are left to Jackson's detection.
     */
    private static void checkUtf8(byte[] body) {
        if (body.length >= 2 && (body[0] == 0 || body[1] == 0 || (body[0] & 0xFF) == 0xFE || (body[0] & 0xFF) == 0xFF)) {
            return;
        }
        // decoded through a small buffer: a 20 MB body must not cost a 40 MB char array just to be checked
        java.nio.charset.CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(8192);
        while (true) {
            java.nio.charset.CoderResult r = dec.decode(in, out, true);
            if (r.isError()) {
                throw new ApiException(400, "invalid_request_error", null, "invalid_json",
                        "the body is not valid UTF-8 (a malformed sequence at byte " + in.position() + ")");
            }
            if (r.isUnderflow()) {
                return;
            }
            out.clear(); // overflow: the buffer is full, keep going
        }
    }

    private SamplerConfig sampler(JsonNode root) {
        double temperature = optNumber(root, "temperature", 1.0, 0, 2);
        double topP = optNumber(root, "top_p", 1.0, 0, 1);
        if ((float) topP == 0f) { // also values so small that they are 0 in single precision
            throw ApiException.invalid("top_p", "'top_p' must be greater than 0"
                    + (topP > 0 ? " and at least " + Float.MIN_VALUE + " (single precision), got " + topP : ""));
        }
        int topK = optInt(root, "top_k", 0, 0, Integer.MAX_VALUE);
        double minP = optNumber(root, "min_p", 0, 0, 1);
        double fp = optNumber(root, "frequency_penalty", 0, -2, 2);
        double pp = optNumber(root, "presence_penalty", 0, -2, 2);
        double penalty = 1 + Math.max(0, Math.max(fp, pp)) / 2;
        JsonNode rp = root.get("repeat_penalty");
        if (rp != null && !rp.isNull()) {
            penalty = optNumber(root, "repeat_penalty", 1, 1e-3, 100);
        }
        int lastN = optInt(root, "repeat_last_n", 64, 0, 1 << 20);
        long seed = SamplerConfig.RANDOM_SEED;
        JsonNode s = root.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber()) {
                throw ApiException.wrongType("seed", "an integer");
            }
            if (!s.canConvertToLong()) {
                throw ApiException.invalid("seed", "'seed' must be between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE + ", got " + s);
            }
            seed = s.asLong();
        }
        return new SamplerConfig((float) temperature, topK, (float) topP, (float) minP, (float) penalty, lastN, seed);
    }

    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            out.add(stop.asText());
        } else if (stop.isArray()) {
            if (stop.size() > MAX_STOPS) {
                throw ApiException.invalid("stop", "'stop' may hold at most " + MAX_STOPS + " strings, got " + stop.size());
            }
            for (int i = 0; i < stop.size(); i++) {
                if (!stop.get(i).isTextual()) {
                    throw ApiException.wrongType("stop[" + i + "]", "a string");
                }
                out.add(stop.get(i).asText());
            }
        } else {
            throw ApiException.wrongType("stop", "a string or an array of strings");
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).isEmpty()) {
                throw ApiException.invalid(stop.isArray() ? "stop[" + i + "]" : "stop", "stop strings must not be empty");
            }
        }
        return out;
    }

    private ChatRequest messages(JsonNode messages, boolean stream, boolean includeUsage, int maxTokens, SamplerConfig sampler,
            List<String> stops, boolean ignoreEos) {
        if (messages == null || messages.isNull()) {
            throw ApiException.missing("messages");
        }
        if (!messages.isArray()) {
            throw ApiException.wrongType("messages", "an array of messages");
        }
        if (messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must hold at least one message");
        }
        StringBuilder system = null;
        List<ChatRequest.Turn> turns = new ArrayList<>();
        UserParts user = null;
        StringBuilder answer = null;
        String lastRole = null;
        for (int i = 0; i < messages.size(); i++) {
            String p = "messages[" + i + "]";
            JsonNode m = messages.get(i);
            if (!m.isObject()) {
                throw ApiException.wrongType(p, "an object with 'role' and 'content'");
            }
            JsonNode roleNode = m.get("role");
            if (roleNode == null || roleNode.isNull()) {
                throw ApiException.missing(p + ".role");
            }
            if (!roleNode.isTextual()) {
                throw ApiException.wrongType(p + ".role", "a string");
            }
            String role = roleNode.asText();
            JsonNode content = m.get("content");
            switch (role) {
                case "system", "developer" -> {
                    String text = textContent(content, p + ".content", false);
                    system = system == null ? new StringBuilder(text) : system.append('\n').append(text);
                }
                case "user" -> {
                    if (answer != null) {
                        turns.add(new ChatRequest.Turn(user.message(), answer.toString()));
                        user = null;
                        answer = null;
                    }
                    if (user == null) {
                        user = new UserParts();
                    } else {
                        user.text("\n");
                    }
                    userContent(content, p + ".content", user);
                    lastRole = role;
                }
                case "assistant" -> {
                    if (user == null) {
                        throw ApiException.invalid(p + ".role", "an assistant message must follow a user message");
                    }
                    JsonNode calls = m.get("tool_calls");
                    if (calls != null && !calls.isNull() && !(calls.isArray() && calls.isEmpty())) {
                        throw ApiException.invalid(p + ".tool_calls", "tool calls are not supported by this server");
                    }
                    String text = textContent(content, p + ".content", true);
                    answer = answer == null ? new StringBuilder(text) : answer.append('\n').append(text);
                    lastRole = role;
                }
                default -> throw ApiException.invalid(p + ".role",
                        "role '" + role + "' is not supported (use system, developer, user or assistant)");
            }
        }
        if (!"user".equals(lastRole)) {
            throw ApiException.invalid("messages", "the last message must have role 'user'");
        }
        ChatRequest.UserMessage last = user.message();
        return new ChatRequest(system == null ? null : system.toString(), turns, last, stream, includeUsage, maxTokens, sampler, stops,
                ignoreEos);
    }

    /** Content that may only hold text (system, assistant): a string or an array of text parts. */
    private static String textContent(JsonNode content, String p, boolean nullable) {
        if (content == null || content.isNull()) {
            if (nullable) {
                return "";
            }
            throw ApiException.missing(p);
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw ApiException.wrongType(p, "a string or an array of content parts");
        }
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pp = p + "[" + j + "]";
            String type = partType(part, pp);
            if (!"text".equals(type) && !"refusal".equals(type)) {
                throw ApiException.invalid(pp + ".type", "only text parts are allowed here, got '" + type + "'");
            }
            sb.append(requireString(part, "text".equals(type) ? "text" : "refusal", pp));
        }
        return sb.toString();
    }

    /**
     * The parts of one user turn as they come: text appended to the current segment, an image
     * closing it. After an image the next segment starts with a line break, as InternVL puts
     * {@code <image>\n} in front of a question.
     */
    private static final class UserParts {
        private final List<String> segments = new ArrayList<>();
        private final List<ChatRequest.Image> images = new ArrayList<>();
        private StringBuilder current = new StringBuilder();

        void text(String t) {
            current.append(t);
        }

        void image(ChatRequest.Image img) {
            segments.add(current.toString());
            images.add(img);
            current = new StringBuilder("\n");
        }

        ChatRequest.UserMessage message() {
            List<String> all = new ArrayList<>(segments);
            all.add(current.toString());
            return new ChatRequest.UserMessage(all, images);
        }
    }

    private void userContent(JsonNode content, String p, UserParts user) {
        if (content == null || content.isNull()) {
            throw ApiException.missing(p);
        }
        if (content.isTextual()) {
            user.text(content.asText());
            return;
        }
        if (!content.isArray()) {
            throw ApiException.wrongType(p, "a string or an array of content parts");
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pp = p + "[" + j + "]";
            String type = partType(part, pp);
            switch (type) {
                case "text" -> user.text(requireString(part, "text", pp));
                case "image_url" -> {
                    if (!vision) {
                        throw new ApiException(400, "invalid_request_error", pp, "images_not_supported", "'" + pp
                                + "' is an image, but this server has no vision model (start it with --mmproj VISION.gguf)");
                    }
                    JsonNode iu = part.get("image_url");
                    String url;
                    String up = pp + ".image_url";
                    if (iu == null || iu.isNull()) {
                        throw ApiException.missing(up);
                    } else if (iu.isTextual()) {
                        url = iu.asText();
                    } else if (iu.isObject()) {
                        url = requireString(iu, "url", up);
                        up = up + ".url";
                    } else {
                        throw ApiException.wrongType(up, "an object with 'url'");
                    }
                    user.image(images.load(url, up));
                }
                default -> throw ApiException.invalid(pp + ".type", "content part type '" + type
                        + "' is not supported (use text or image_url)");
            }
        }
    }

    private static String partType(JsonNode part, String pp) {
        if (!part.isObject()) {
            throw ApiException.wrongType(pp, "an object with 'type'");
        }
        JsonNode t = part.get("type");
        if (t == null || t.isNull()) {
            throw ApiException.missing(pp + ".type");
        }
        if (!t.isTextual()) {
            throw ApiException.wrongType(pp + ".type", "a string");
        }
        return t.asText();
    }

    private static String requireString(JsonNode obj, String field, String p) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            throw ApiException.missing(p + "." + field);
        }
        if (!v.isTextual()) {
            throw ApiException.wrongType(p + "." + field, "a string");
        }
        return v.asText();
    }

    private static void optString(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v != null && !v.isNull() && !v.isTextual()) {
            throw ApiException.wrongType(field, "a string");
        }
    }

    private static boolean optBool(JsonNode obj, String field, boolean def) {
        return optBool(obj, field, field, def);
    }

    private static boolean optBool(JsonNode obj, String field, String param, boolean def) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isBoolean()) {
            throw ApiException.wrongType(param, "true or false");
        }
        return v.asBoolean();
    }

    private static int optInt(JsonNode obj, String field, int def, int min, int max) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isIntegralNumber()) {
            throw ApiException.wrongType(field, "an integer");
        }
        if (!v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.invalid(field, "'" + field + "' must be between " + min + " and " + max + ", got " + v);
        }
        return v.asInt();
    }

    private static double optNumber(JsonNode obj, String field, double def, double min, double max) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isNumber()) {
            throw ApiException.wrongType(field, "a number");
        }
        double d = v.asDouble();
        if (!(d >= min && d <= max)) {
            throw ApiException.invalid(field, "'" + field + "' must be between " + fmt(min) + " and " + fmt(max) + ", got " + v);
        }
        return d;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
