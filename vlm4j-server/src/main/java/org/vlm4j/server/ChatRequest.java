package org.vlm4j.server;

import java.util.List;
import org.vlm4j.chat.SamplerConfig;

/**
 * A validated {@code /v1/chat/completions} request in the terms of a {@link org.vlm4j.chat.Conversation}:
 * the system message, the earlier turns to replay, the new user message, and the generation
 * settings.
 *
 * @param systemMessage the system prompt, or null for the model's default
 * @param history earlier complete turns (user message then the assistant's answer)
 * @param last the user message to answer
 * @param stream answer with server-sent events
 * @param includeUsage with {@code stream}, send a last chunk with the token usage
 * @param maxTokens cap on generated tokens, or -1 for "until the context is full"
 * @param sampler sampling settings
 * @param stops strings that end the answer (not included in it)
 * @param ignoreEos keep generating past the end-of-turn token (llama-server extension)
 */
public record ChatRequest(String systemMessage, List<Turn> history, UserMessage last, boolean stream, boolean includeUsage,
        int maxTokens, SamplerConfig sampler, List<String> stops, boolean ignoreEos) {

    /**
     * An image as sent (encoded bytes), the field it came in, and a digest of the bytes (to recognise
     * it in a later request). It is decoded only when its turn is computed: a turn that the slot's
     * cache already holds never is, and a request waiting in the queue holds no pixels.
     */
    public record Image(byte[] data, String name, String param, String digest) {}

    /**
     * A user message: text segments with an image between each two ({@code segments.get(0)},
     * {@code images.get(0)}, {@code segments.get(1)}, ...), so one segment more than images. Text is
     * never searched for {@code <image>} markers.
     */
    public record UserMessage(List<String> segments, List<Image> images) {
        public UserMessage {
            segments = List.copyOf(segments);
            images = List.copyOf(images);
            if (segments.size() != images.size() + 1) {
                throw new IllegalArgumentException("need one text segment more than images, got " + segments.size() + " and "
                        + images.size());
            }
        }

    }

    /** A complete earlier turn. */
    public record Turn(UserMessage user, String assistant) {}

    public ChatRequest {
        history = List.copyOf(history);
        stops = List.copyOf(stops);
    }
}
