package org.vlm4j.chat;

import java.util.List;

/**
 * A tokenized prompt: token ids with the spans where image rows replace the
 * {@code <IMG_CONTEXT>} ids.
 *
 * @param ids token ids; image positions hold the {@code <IMG_CONTEXT>} id
 * @param images image spans in position order
 */
public record EncodedPrompt(int[] ids, List<ImageSpan> images) {

    /**
     * {@code rows} consecutive positions starting at {@code start} take the rows of image
     * {@code imageIndex}.
     */
    public record ImageSpan(int imageIndex, int start, int rows) {}

    public EncodedPrompt {
        ids = ids.clone();
        images = List.copyOf(images);
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    public int length() {
        return ids.length;
    }
}
