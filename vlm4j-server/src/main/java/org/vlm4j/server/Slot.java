package org.vlm4j.server;

import java.util.ArrayList;
import java.util.List;
import org.vlm4j.chat.Conversation;

/**
 * One of the server's parallel answer slots: a conversation (with its KV cache) kept between
 * requests, and the fingerprint chain of what it holds, so a request that extends the same
 * dialogue continues from the cache. {@code chain.get(0)} fingerprints the system message;
 * {@code chain.get(i)} the first {@code i} complete turns. Used by one request at a time.
 */
final class Slot {
    final int id;
    Conversation conversation;
    final List<String> chain = new ArrayList<>();
    long lastUsed;

    Slot(int id) {
        this.id = id;
    }

    /** How many leading fingerprints of {@code request} this slot holds. */
    int commonPrefix(List<String> request) {
        int n = Math.min(chain.size(), request.size());
        int i = 0;
        while (i < n && chain.get(i).equals(request.get(i))) {
            i++;
        }
        return i;
    }

    /** Whether all of this slot's dialogue is a prefix of {@code request} (so it can be continued). */
    boolean continues(List<String> request) {
        return !chain.isEmpty() && commonPrefix(request) == chain.size();
    }

    /** Forgets the dialogue but keeps the conversation (same system message). */
    void reset() {
        if (conversation != null) {
            conversation.clear();
        }
        if (chain.size() > 1) {
            chain.subList(1, chain.size()).clear();
        }
    }
}
