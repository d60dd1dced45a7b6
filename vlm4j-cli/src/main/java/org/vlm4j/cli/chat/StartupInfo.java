package org.vlm4j.cli.chat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.vlm4j.chat.ContextPolicy;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.ImageEmbedding;
import org.vlm4j.chat.VisionLanguageModel;
import org.vlm4j.cli.Text;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.model.internvit.InternVitConfig;
import org.vlm4j.model.qwen3.Qwen3Config;

/**
 * The short block the chat prints when it starts (unless {@code --no-info}): what was loaded
 * (architecture, size, weight types, load time of each file), the picture's tiles and encode time,
 * and the limits of the dialogue. The original app printed tensor shapes but no timings; this says
 * what a user needs to judge speed and memory.
 */
public final class StartupInfo {
    private StartupInfo() {}

    /** The lines of the block. {@code image} is null when the chat starts without a picture. */
    public static List<String> lines(VisionLanguageModel m, Conversation c, String imageName, ImageEmbedding image,
            int newTokens, ContextPolicy policy) {
        List<String> out = new ArrayList<>();
        Qwen3Config tc = m.textModel().config();
        out.add(String.format(Locale.ROOT, "text:    %s: %s, %d layers, hidden %d, %s; loaded in %.0f ms",
                m.textPath().getFileName(), tc.architecture(), tc.layers(), tc.hidden(), weights(m.textModel().file()),
                m.textLoadMillis()));
        if (m.hasVision()) {
            InternVitConfig vc = m.visionModel().config();
            out.add(String.format(Locale.ROOT, "vision:  %s: InternViT %dpx, %d layers, width %d, %s; loaded in %.0f ms",
                    m.visionPath().getFileName(), vc.imageSize(), vc.layers(), vc.hiddenSize(), weights(m.visionPath()),
                    m.visionLoadMillis()));
        }
        if (image != null) {
            out.add("image:   " + imageLine(imageName, image));
        }
        out.add(String.format(Locale.ROOT, "context: %d positions (model trained for %d); answers up to %d tokens; when full: %s",
                c.capacity(), tc.contextLength(), newTokens, policy == ContextPolicy.STOP ? "refuse new messages" : "forget the oldest turns"));
        out.add("threads: " + m.pool().threads());
        return out;
    }

    /** "img448.png 448x448 -> 1 tile (256 rows), encoded in 80 ms". */
    public static String imageLine(String name, ImageEmbedding e) {
        return String.format(Locale.ROOT, "%s %dx%d -> %d tile%s (%d rows), encoded in %.0f ms", name, e.width(), e.height(),
                e.tiles(), e.tiles() == 1 ? "" : "s", e.rowCount(), e.encodeMillis());
    }

    /** "1.2 M parameters, F32" or "751.6 M parameters, Q8_0 92% + F32 8%" (by bytes). */
    static String weights(GgufFile f) {
        Map<GgmlType, long[]> byType = new EnumMap<>(GgmlType.class);
        long params = 0;
        long bytes = 0;
        for (GgufTensorInfo t : f.tensors()) {
            long[] a = byType.computeIfAbsent(t.type(), k -> new long[1]);
            a[0] += t.byteSize();
            params += t.elementCount();
            bytes += t.byteSize();
        }
        long total = Math.max(1, bytes);
        String types = byType.size() == 1 ? byType.keySet().iterator().next().name()
                : byType.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<GgmlType, long[]> e) -> -e.getValue()[0]))
                        .map(e -> e.getKey().name() + " " + Math.round(100.0 * e.getValue()[0] / total) + "%")
                        .collect(Collectors.joining(" + "));
        return Text.shortCount(params) + " parameters, " + types + " (" + Text.bytes(bytes) + ")";
    }

    private static String weights(Path gguf) {
        try (GgufFile f = GgufFile.open(gguf)) {
            return weights(f);
        } catch (IOException | RuntimeException e) {
            return "size unknown";
        }
    }
}
