package org.vlm4j.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.vlm4j.chat.Answer;
import org.vlm4j.chat.AskOptions;
import org.vlm4j.chat.ChatTemplate;
import org.vlm4j.chat.ContextPolicy;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.ConversationException;
import org.vlm4j.chat.ConversationOptions;
import org.vlm4j.chat.StopReason;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * Answers one {@link ChatRequest} on a slot: continues the slot's conversation when the request
 * extends it (same system message, same earlier turns and images, compared by a fingerprint chain),
 * otherwise replays the earlier turns with {@link Conversation#addTurnWithImagesBetween} (a turn's
 * pictures decoded just for it, counted against the {@link ImageBudget}); then generates, streaming
 * the text through the stop strings to a {@link Sink}. A sink that fails (client gone) cancels the
 * generation, which frees the slot.
 */
final class ChatEngine {
    /** Receives answer text as it is made; an {@link IOException} means the client is gone. */
    interface Sink {
        void text(String piece) throws IOException;

        /**
         * Called while the request waits for a free slot (about once a second): whether the client is
         * still there. The default cannot tell and says yes.
         */
        default boolean stillWanted() {
            return true;
        }
    }

    /**
     * The outcome of a request.
     *
     * @param promptTokens positions of the whole prompt (cached ones included)
     * @param cachedTokens positions reused from the slot's cache
     * @param clientGone the sink failed, the answer was cancelled
     */
    record Result(String text, String finishReason, int promptTokens, int cachedTokens, int completionTokens,
            double promptMillis, double generateMillis, boolean clientGone) {
        double tokensPerSecond() {
            return generateMillis > 0 ? completionTokens * 1000.0 / generateMillis : 0;
        }
    }

    private final VisionLanguageModel model;
    private final ImageLoader images;
    private final ImageBudget budget;
    private final SlotPool pool;
    private final Metrics metrics;
    private final ConversationOptions baseOptions;
    private final int contextSize;

    ChatEngine(VisionLanguageModel model, ImageLoader images, ImageBudget budget, SlotPool pool, Metrics metrics, int contextSize) {
        this.model = model;
        this.images = images;
        this.budget = budget;
        this.pool = pool;
        this.metrics = metrics;
        this.contextSize = contextSize;
        this.baseOptions = ConversationOptions.DEFAULTS.withContextSize(contextSize).withContextPolicy(ContextPolicy.STOP)
                .withAutoImageMarker(false);
    }

    Result complete(ChatRequest req, Sink sink) throws InterruptedException {
        String system = req.systemMessage() != null ? req.systemMessage() : ChatTemplate.DEFAULT_SYSTEM_MESSAGE;
        List<String> chain = chain(system, req.history());
        Slot slot;
        try {
            slot = pool.acquire(chain, sink::stillWanted);
        } catch (ApiException e) {
            if (SlotPool.CLIENT_GONE.equals(e.code())) {
                metrics.abandoned();
            }
            throw e;
        }
        try {
            return run(slot, system, chain, req, sink);
        } finally {
            pool.release(slot);
        }
    }

    private Result run(Slot slot, String system, List<String> chain, ChatRequest req, Sink sink) {
        if (slot.conversation == null || slot.commonPrefix(chain) == 0) {
            if (slot.conversation != null) {
                slot.conversation.close(); // frees its KV cache now rather than at some later GC
            }
            slot.conversation = model.newConversation(baseOptions.withSystemMessage(system));
            slot.chain.clear();
            slot.chain.add(chain.get(0));
        } else if (!slot.continues(chain)) {
            slot.reset();
        }
        Conversation c = slot.conversation;
        int cached = c.position();
        long t0 = System.nanoTime();
        Answer a;
        boolean[] gone = {false};
        StopFilter filter = new StopFilter(req.stops(), piece -> {
            if (!gone[0]) {
                try {
                    sink.text(piece);
                } catch (IOException | RuntimeException e) {
                    gone[0] = true;
                    c.cancel();
                }
            }
        });
        try {
            for (int i = slot.chain.size() - 1; i < req.history().size(); i++) {
                ChatRequest.Turn t = req.history().get(i);
                try (ImageBudget.Allowance turnPixels = budget.open()) { // pixels held only while this turn is computed
                    c.addTurnWithImagesBetween(t.user().segments(), images.decode(t.user().images(), turnPixels), t.assistant());
                }
                slot.chain.add(chain.get(i + 1));
            }
            double replayMs = (System.nanoTime() - t0) / 1e6;
            int max = req.maxTokens() > 0 ? req.maxTokens() : contextSize;
            AskOptions ask = new AskOptions(max, req.sampler(), req.ignoreEos());
            try (ImageBudget.Allowance pixels = budget.open()) {
                a = c.askWithImagesBetween(req.last().segments(), images.decode(req.last().images(), pixels), ask, piece -> {
                    if (filter.feed(piece)) {
                        c.cancel();
                    }
                });
            }
            filter.finish();
            int prompt = c.position() - a.generatedTokens();
            boolean complete = !filter.stopped() && !gone[0] && a.stopReason() != StopReason.CANCELLED && a.droppedTurns() == 0;
            if (complete) {
                slot.chain.add(next(chain.getLast(), req.last(), filter.text()));
            } else {
                slot.reset(); // the cache holds more (or other) text than the client will send back
            }
            String finish = switch (a.stopReason()) {
                case EOS, CANCELLED -> "stop";
                case LENGTH, CONTEXT -> filter.stopped() ? "stop" : "length";
            };
            metrics.answer(prompt, cached, a.generatedTokens(), a.generateMillis(), gone[0]);
            return new Result(filter.text(), finish, prompt, cached, a.generatedTokens(), replayMs + a.promptMillis(),
                    a.generateMillis(), gone[0]);
        } catch (ConversationException e) {
            slot.reset();
            String msg = e.getMessage() == null ? "" : e.getMessage();
            boolean context = msg.contains("context");
            throw new ApiException(400, "invalid_request_error", "messages", context ? "context_length_exceeded" : "invalid_value", msg);
        } catch (RuntimeException e) {
            slot.reset();
            throw e;
        }
    }

    /** Fingerprints: of the system message, then of each earlier turn chained to the ones before. */
    static List<String> chain(String system, List<ChatRequest.Turn> history) {
        List<String> out = new ArrayList<>();
        MessageDigest md = sha();
        update(md, "system");
        update(md, system);
        out.add(HexFormat.of().formatHex(md.digest()));
        for (ChatRequest.Turn t : history) {
            out.add(next(out.getLast(), t.user(), t.assistant()));
        }
        return out;
    }

    static String next(String previous, ChatRequest.UserMessage user, String answer) {
        MessageDigest md = sha();
        update(md, previous);
        update(md, "user:" + user.segments().size());
        for (String segment : user.segments()) {
            update(md, segment);
        }
        for (ChatRequest.Image img : user.images()) {
            update(md, img.digest());
        }
        update(md, "assistant");
        update(md, answer);
        return HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
        md.update(b);
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
