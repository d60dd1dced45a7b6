package org.vlm4j.chat;

/**
 * Receives each generated token id as soon as it is chosen, on the generating thread (the seam for
 * streaming: the text layer turns ids into text here). End-of-generation tokens are not reported.
 */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = token -> { };

    void onToken(int token);
}
