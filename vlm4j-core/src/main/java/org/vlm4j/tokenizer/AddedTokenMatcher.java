package org.vlm4j.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens (special and user-defined tokens such as {@code <|im_end|>} or {@code <think>})
 * written literally in a text, before any normalization or BPE.
 *
 * <p>Matching is "leftmost-longest", like the reference implementation's Aho-Corasick search: the
 * match that starts first wins, and among matches starting at the same position the longest one.
 * Tokens are grouped by their first character, longest first, so a text is scanned once and only
 * positions whose character can start a token are examined. Immutable and thread-safe.
 */
final class AddedTokenMatcher {
    private final Map<Character, String[]> byFirstChar;
    private final Map<String, Integer> ids;
    private final boolean[] firstCharAscii = new boolean[128];

    /** @param tokens added token text to id; empty strings are not allowed */
    AddedTokenMatcher(Map<String, Integer> tokens) {
        Map<Character, List<String>> groups = new HashMap<>();
        for (String t : tokens.keySet()) {
            if (t.isEmpty()) {
                throw new IllegalArgumentException("an added token must not be empty");
            }
            groups.computeIfAbsent(t.charAt(0), k -> new ArrayList<>()).add(t);
        }
        byFirstChar = new HashMap<>();
        for (Map.Entry<Character, List<String>> e : groups.entrySet()) {
            List<String> list = e.getValue();
            list.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
            byFirstChar.put(e.getKey(), list.toArray(new String[0]));
            if (e.getKey() < 128) {
                firstCharAscii[e.getKey()] = true;
            }
        }
        ids = Map.copyOf(tokens);
    }

    boolean isEmpty() {
        return ids.isEmpty();
    }

    /**
     * Finds the leftmost-longest added token at or after {@code from}.
     *
     * @param found receives {end offset, token id} of the match
     * @return the start offset of the match, or -1 if there is none
     */
    int find(String s, int from, int[] found) {
        if (ids.isEmpty()) {
            return -1;
        }
        int n = s.length();
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c < 128 ? !firstCharAscii[c] : !byFirstChar.containsKey(c)) {
                continue;
            }
            for (String t : byFirstChar.get(c)) {
                if (s.startsWith(t, i)) {
                    found[0] = i + t.length();
                    found[1] = ids.get(t);
                    return i;
                }
            }
        }
        return -1;
    }
}
