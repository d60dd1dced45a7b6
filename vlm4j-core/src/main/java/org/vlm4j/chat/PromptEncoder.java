package org.vlm4j.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.vlm4j.tokenizer.Tokenizer;

/**
 * Turns {@link PromptPiece}s into token ids: control tokens by their text in the vocabulary,
 * text with {@link Tokenizer#encodeOrdinary} (so user text cannot inject control tokens), images as
 * {@code <img>}, one {@code <IMG_CONTEXT>} per image row, {@code </img>}.
 */
public final class PromptEncoder {
    private final Tokenizer tokenizer;

    public PromptEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Encodes {@code pieces}.
     *
     * @param rowsOfImage number of rows (256 per tile) of image {@code index}
     * @throws IllegalStateException if a needed control token is not in the vocabulary
     */
    public EncodedPrompt encode(List<PromptPiece> pieces, IntUnaryOperator rowsOfImage) {
        int[] buf = new int[256];
        int n = 0;
        List<EncodedPrompt.ImageSpan> spans = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (PromptPiece p : pieces) {
            if (p instanceof PromptPiece.Text t) {
                text.append(t.text());
                continue;
            }
            if (!text.isEmpty()) {
                int[] ids = tokenizer.encodeOrdinary(text.toString());
                buf = ensure(buf, n + ids.length);
                System.arraycopy(ids, 0, buf, n, ids.length);
                n += ids.length;
                text.setLength(0);
            }
            switch (p) {
                case PromptPiece.Special s -> {
                    buf = ensure(buf, n + 1);
                    buf[n++] = tokenizer.requireTokenId(s.tokenText());
                }
                case PromptPiece.Image img -> {
                    int rows = rowsOfImage.applyAsInt(img.index());
                    int ctx = tokenizer.requireTokenId(ChatTemplate.IMG_CONTEXT);
                    buf = ensure(buf, n + rows + 2);
                    buf[n++] = tokenizer.requireTokenId(ChatTemplate.IMG_START);
                    spans.add(new EncodedPrompt.ImageSpan(img.index(), n, rows));
                    Arrays.fill(buf, n, n + rows, ctx);
                    n += rows;
                    buf[n++] = tokenizer.requireTokenId(ChatTemplate.IMG_END);
                }
                case PromptPiece.Text t -> throw new AssertionError(t);
            }
        }
        if (!text.isEmpty()) {
            int[] ids = tokenizer.encodeOrdinary(text.toString());
            buf = ensure(buf, n + ids.length);
            System.arraycopy(ids, 0, buf, n, ids.length);
            n += ids.length;
        }
        return new EncodedPrompt(Arrays.copyOf(buf, n), spans);
    }

    private static int[] ensure(int[] buf, int size) {
        return size <= buf.length ? buf : Arrays.copyOf(buf, Math.max(size, buf.length * 2));
    }
}
