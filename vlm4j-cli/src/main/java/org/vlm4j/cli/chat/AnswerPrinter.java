package org.vlm4j.cli.chat;

import org.vlm4j.chat.Answer;

/**
 * How the chat shows answers on stdout: streamed piece by piece ({@link StreamingPrinter}), whole
 * when complete ({@code --silent}, {@link SilentPrinter}) or as one JSON object per answer
 * ({@code --json-lines}, {@link JsonLinesPrinter}). Calls come in the order {@code begin},
 * {@code piece}*, then {@code end} or {@code refused}.
 */
public interface AnswerPrinter {

    /** Generation is about to start. */
    void begin();

    /** A piece of the answer's text, as soon as it is generated. */
    void piece(String text);

    /** The answer is complete (also when stopped early; the reason is in {@code answer}). */
    void end(Answer answer);

    /** The message was not answered (for example the context is full); {@code message} says why. */
    void refused(String message);
}
