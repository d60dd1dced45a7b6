package org.vlm4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.vlm4j.chat.Answer;
import org.vlm4j.chat.GenerationResult;
import org.vlm4j.chat.StopReason;

/**
 * What one generation produced and how long it took, in the shapes the commands print: the JSON
 * object of {@code run --json} and {@code chat --json-lines}, and the one-line timing summary.
 *
 * @param text the generated text
 * @param tokens the generated ids (end-of-turn token not included)
 * @param stopReason why it ended
 * @param promptN positions computed before generating (image rows included)
 * @param promptMs time to compute them
 * @param predictedMs time spent generating
 * @param imageTiles tiles encoded for this message (0 when none)
 * @param visionMs time spent encoding them
 * @param droppedTurns earlier turns forgotten to make room
 */
public record GenerationReport(String text, int[] tokens, StopReason stopReason, int promptN, double promptMs,
        double predictedMs, int imageTiles, double visionMs, int droppedTurns) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public GenerationReport {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** The report of a conversation answer. */
    public static GenerationReport of(Answer a) {
        return new GenerationReport(a.text(), a.tokens(), a.stopReason(), a.promptTokens(), a.promptMillis(),
                a.generateMillis(), a.imageTiles(), a.visionMillis(), a.droppedTurns());
    }

    /** The report of a raw generation whose tokens decode to {@code text}. */
    public static GenerationReport of(GenerationResult r, String text) {
        return new GenerationReport(text, r.tokens(), r.stopReason(), r.promptTokens(), r.promptMillis(),
                r.generateMillis(), 0, 0, 0);
    }

    /** {@code eos}, {@code length}, {@code context} or {@code cancelled}. */
    public static String name(StopReason r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The JSON fields: text, tokens, stop_reason, timings{prompt_n, prompt_ms, predicted_n,
     * predicted_ms}, and image_tiles/vision_ms when images were encoded, dropped_turns when turns
     * were forgotten. The map keeps that order; callers may add fields.
     */
    public Map<String, Object> json() {
        return json(null);
    }

    /** {@link #json()} with {@code prompt_tokens} after {@code tokens} unless {@code promptIds} is null. */
    public Map<String, Object> json(int[] promptIds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", text);
        m.put("tokens", tokens);
        if (promptIds != null) {
            m.put("prompt_tokens", promptIds);
        }
        m.put("stop_reason", name(stopReason));
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("prompt_n", promptN);
        t.put("prompt_ms", round(promptMs));
        t.put("predicted_n", tokens.length);
        t.put("predicted_ms", round(predictedMs));
        m.put("timings", t);
        if (imageTiles > 0) {
            m.put("image_tiles", imageTiles);
            m.put("vision_ms", round(visionMs));
        }
        if (droppedTurns > 0) {
            m.put("dropped_turns", droppedTurns);
        }
        return m;
    }

    /** One line of JSON for {@code fields}. */
    public static String toJson(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** "prompt: 425 tokens, 12.3 ms (34552.8 tok/s) | generated: 14 tokens, ... | vision: 1 tile, 80 ms". */
    public String timings() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "prompt: %d tokens in %.1f ms (%.1f tok/s) | generated: %d tokens in %.1f ms (%.1f tok/s)",
                promptN, promptMs, perSecond(promptN, promptMs), tokens.length, predictedMs, perSecond(tokens.length, predictedMs)));
        if (imageTiles > 0) {
            sb.append(String.format(Locale.ROOT, " | vision: %d tile%s in %.1f ms", imageTiles, imageTiles == 1 ? "" : "s", visionMs));
        }
        sb.append(" | stop: ").append(name(stopReason));
        return sb.toString();
    }

    /** Tokens per second, 0 when no time was spent. */
    public static double perSecond(int n, double ms) {
        return ms > 0 ? n * 1000.0 / ms : 0;
    }

    private static double round(double ms) {
        return Math.round(ms * 1000.0) / 1000.0;
    }
}
