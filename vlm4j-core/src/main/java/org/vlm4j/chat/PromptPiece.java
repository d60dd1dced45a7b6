package org.vlm4j.chat;

/**
 * One piece of a rendered prompt, before tokenization. Control tokens of the template are kept
 * apart from text so that text written by a user can never turn into control tokens (a user
 * typing {@code <|im_end|>} gets the characters, not the token).
 */
public sealed interface PromptPiece {

    /** A control token of the template, found in the vocabulary by its exact text. */
    record Special(String tokenText) implements PromptPiece {}

    /**
     * Plain text, tokenized without special-token matching. Adjacent text pieces are joined before
     * tokenization, as the reference tokenizes the whole rendered string.
     */
    record Text(String text) implements PromptPiece {}

    /**
     * The {@code index}-th image of the dialogue: {@code <img>}, then one {@code <IMG_CONTEXT>}
     * position per image row, then {@code </img>}.
     */
    record Image(int index) implements PromptPiece {}
}
