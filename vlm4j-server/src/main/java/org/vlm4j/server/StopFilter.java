package org.vlm4j.server;

import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts streamed text at the first occurrence of a stop string. Text that might be the start of a
 * stop string is held back until it is clear it is not, so a client never sees part of a stop.
 */
final class StopFilter {
    private final List<String> stops;
    private final Consumer<String> out;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopFilter(List<String> stops, Consumer<String> out) {
        this.stops = stops;
        this.out = out;
    }

    /** Adds a piece; returns true once a stop string has been seen (then further pieces are ignored). */
    boolean feed(String piece) {
        if (stopped) {
            return true;
        }
        text.append(piece);
        if (stops.isEmpty()) {
            emit(text.length());
            return false;
        }
        int maxLen = 0;
        for (String s : stops) {
            maxLen = Math.max(maxLen, s.length());
        }
        int from = Math.max(0, emitted - maxLen + 1);
        int hit = -1;
        for (String s : stops) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (hit < 0 || at < hit)) {
                hit = at;
            }
        }
        if (hit >= 0) {
            emit(hit);
            text.setLength(hit);
            stopped = true;
            return true;
        }
        emit(text.length() - heldBack());
        return false;
    }

    /** Sends what is still held back (at the end of the answer). */
    void finish() {
        if (!stopped) {
            emit(text.length());
        }
    }

    boolean stopped() {
        return stopped;
    }

    /** The answer text so far (cut at the stop string once one was seen). */
    String text() {
        return text.toString();
    }

    /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        int from = Math.max(0, text.length() - 64 * 1024);
        String tail = text.substring(Math.max(from, emitted));
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, tail.length()); k > best; k--) {
                if (tail.regionMatches(tail.length() - k, s, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private void emit(int upTo) {
        if (upTo > emitted) {
            out.accept(text.substring(emitted, upTo));
            emitted = upTo;
        }
    }
}
