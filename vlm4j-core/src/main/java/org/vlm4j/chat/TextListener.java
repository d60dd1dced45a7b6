package org.vlm4j.chat;

/**
 * Receives an answer's text as it is generated, piece by piece, on the generating thread. Every
 * piece is valid text: a character split over several tokens arrives whole.
 */
@FunctionalInterface
public interface TextListener {
    TextListener NONE = piece -> { };

    void onText(String piece);
}
