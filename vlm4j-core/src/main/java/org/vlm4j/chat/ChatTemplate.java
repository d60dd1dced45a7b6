package org.vlm4j.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * InternVL's {@code internvl2_5} conversation template (ChatML, MPT separator style), as the
 * original {@code InternVLChatModel.chat()} renders it:
 * <pre>
 * &lt;|im_start|&gt;system\n{system}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;user\n{question}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;assistant\n{answer}&lt;|im_end|&gt;\n ...
 * &lt;|im_start|&gt;assistant\n
 * </pre>
 * The system block is always present (an empty message still yields the block). Each
 * {@code <image>} marker in a user message becomes an image placeholder, in order over the whole
 * dialogue.
 */
public final class ChatTemplate {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String IMG_START = "<img>";
    public static final String IMG_END = "</img>";
    public static final String IMG_CONTEXT = "<IMG_CONTEXT>";
    /** The marker a user writes where an image goes. */
    public static final String IMAGE_MARKER = "<image>";

    /** The {@code internvl2_5} template's default system message (verbatim). */
    public static final String DEFAULT_SYSTEM_MESSAGE =
            "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。";

    private ChatTemplate() {}

    /** {@code <|im_start|>system\n{message}<|im_end|>\n}. */
    public static List<PromptPiece> system(String message) {
        List<PromptPiece> out = new ArrayList<>();
        out.add(new PromptPiece.Special(IM_START));
        out.add(new PromptPiece.Text("system\n" + message));
        out.add(new PromptPiece.Special(IM_END));
        out.add(new PromptPiece.Text("\n"));
        return out;
    }

    /**
     * A user turn followed by the assistant prefix: {@code <|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n}.
     * Each {@code <image>} marker in {@code text} takes the next image index, starting at
     * {@code firstImageIndex}, up to {@code images} markers; further markers stay literal text.
     */
    public static List<PromptPiece> userTurn(String text, int firstImageIndex, int images) {
        List<PromptPiece> out = new ArrayList<>();
        out.add(new PromptPiece.Special(IM_START));
        out.add(new PromptPiece.Text("user\n"));
        int next = firstImageIndex;
        int used = 0;
        int from = 0;
        while (used < images) {
            int at = text.indexOf(IMAGE_MARKER, from);
            if (at < 0) {
                break;
            }
            if (at > from) {
                out.add(new PromptPiece.Text(text.substring(from, at)));
            }
            out.add(new PromptPiece.Image(next++));
            used++;
            from = at + IMAGE_MARKER.length();
        }
        if (from < text.length()) {
            out.add(new PromptPiece.Text(text.substring(from)));
        }
        out.add(new PromptPiece.Special(IM_END));
        out.add(new PromptPiece.Text("\n"));
        out.addAll(assistantPrefix());
        return out;
    }

    /**
     * A user turn whose images sit between text segments, as the parts of an API message do:
     * {@code segments.get(0)}, image {@code firstImageIndex}, {@code segments.get(1)}, the next image,
     * ... and the last segment (so there is one image fewer than segments). No {@code <image>}
     * marker is looked for: text that contains one stays text.
     */
    public static List<PromptPiece> userTurnWithImagesBetween(List<String> segments, int firstImageIndex) {
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a user turn needs at least one (possibly empty) text segment");
        }
        List<PromptPiece> out = new ArrayList<>();
        out.add(new PromptPiece.Special(IM_START));
        out.add(new PromptPiece.Text("user\n"));
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0) {
                out.add(new PromptPiece.Image(firstImageIndex + i - 1));
            }
            if (!segments.get(i).isEmpty()) {
                out.add(new PromptPiece.Text(segments.get(i)));
            }
        }
        out.add(new PromptPiece.Special(IM_END));
        out.add(new PromptPiece.Text("\n"));
        out.addAll(assistantPrefix());
        return out;
    }

    /** {@code <|im_start|>assistant\n}. */
    public static List<PromptPiece> assistantPrefix() {
        return List.of(new PromptPiece.Special(IM_START), new PromptPiece.Text("assistant\n"));
    }

    /** What closes an assistant answer before the next user turn: {@code <|im_end|>\n}. */
    public static List<PromptPiece> endOfAnswer() {
        return List.of(new PromptPiece.Special(IM_END), new PromptPiece.Text("\n"));
    }

    /** Number of {@code <image>} markers in {@code text}. */
    public static int countImageMarkers(String text) {
        int n = 0;
        for (int at = text.indexOf(IMAGE_MARKER); at >= 0; at = text.indexOf(IMAGE_MARKER, at + IMAGE_MARKER.length())) {
            n++;
        }
        return n;
    }

    /**
     * The original {@code chat()} prepends {@code "<image>\n"} to a question sent with images but
     * without a marker; this adds as many markers as are missing.
     */
    public static String withImageMarkers(String text, int images) {
        int missing = images - countImageMarkers(text);
        if (missing <= 0) {
            return text;
        }
        return (IMAGE_MARKER + "\n").repeat(missing) + text;
    }
}
