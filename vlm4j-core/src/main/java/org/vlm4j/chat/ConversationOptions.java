package org.vlm4j.chat;

import org.vlm4j.model.LanguageModel;

/**
 * Settings of one {@link Conversation}.
 *
 * @param contextSize positions of the KV cache (the whole dialogue must fit)
 * @param systemMessage the system prompt ({@link ChatTemplate#DEFAULT_SYSTEM_MESSAGE} by default)
 * @param ask default generation settings of {@link Conversation#ask(String)}
 * @param contextPolicy what to do when a message does not fit
 * @param autoImageMarker show a newly set image with the next message even when it has no
 *     {@code <image>} marker (as InternVL's {@code chat()} does); off = only at markers
 */
public record ConversationOptions(int contextSize, String systemMessage, AskOptions ask, ContextPolicy contextPolicy,
        boolean autoImageMarker) {
    public static final ConversationOptions DEFAULTS = new ConversationOptions(LanguageModel.DEFAULT_CONTEXT,
            ChatTemplate.DEFAULT_SYSTEM_MESSAGE, AskOptions.DEFAULTS, ContextPolicy.DROP_OLDEST, true);

    public ConversationOptions {
        if (contextSize < 1) {
            throw new IllegalArgumentException("context size must be positive, got " + contextSize);
        }
        java.util.Objects.requireNonNull(systemMessage, "systemMessage");
        java.util.Objects.requireNonNull(ask, "ask");
        java.util.Objects.requireNonNull(contextPolicy, "contextPolicy");
    }

    public ConversationOptions withContextSize(int n) {
        return new ConversationOptions(n, systemMessage, ask, contextPolicy, autoImageMarker);
    }

    public ConversationOptions withSystemMessage(String s) {
        return new ConversationOptions(contextSize, s, ask, contextPolicy, autoImageMarker);
    }

    public ConversationOptions withAsk(AskOptions a) {
        return new ConversationOptions(contextSize, systemMessage, a, contextPolicy, autoImageMarker);
    }

    public ConversationOptions withContextPolicy(ContextPolicy p) {
        return new ConversationOptions(contextSize, systemMessage, ask, p, autoImageMarker);
    }

    public ConversationOptions withAutoImageMarker(boolean b) {
        return new ConversationOptions(contextSize, systemMessage, ask, contextPolicy, b);
    }
}
