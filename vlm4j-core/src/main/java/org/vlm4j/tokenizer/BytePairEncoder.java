package org.vlm4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE for one pre-token: UTF-8 bytes, one initial symbol per byte, then repeatedly merge
 * the adjacent pair with the lowest merge rank (the leftmost one among equal ranks) until no
 * adjacent pair has a merge rule.
 *
 * <p>Two exact implementations of that rule: a simple array scan for short pieces (almost all of
 * them) and a priority queue over a linked list for long ones (for example a long run of CJK
 * characters, which is a single pre-token), which keeps long inputs O(n log n). Results are cached
 * per pre-token text. Thread-safe.
 */
final class BytePairEncoder {
    /** Pieces up to this many bytes use the array scan. */
    static final int SCAN_LIMIT = 48;
    private static final int CACHE_MAX_ENTRIES = 100_000;
    private static final int CACHE_MAX_PIECE_CHARS = 128;

    private final int[] byteToId;
    private final MergeTable merges;
    private final Map<String, Integer> wholeWordVocab;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param byteToId id of the single-byte token for every byte value, -1 where the vocabulary has none
     * @param merges the merge rules
     * @param wholeWordVocab non-null to enable "ignore_merges": a piece whose byte-level form is a
     *     vocabulary entry becomes that single token without running the merges
     */
    BytePairEncoder(int[] byteToId, MergeTable merges, Map<String, Integer> wholeWordVocab) {
        this.byteToId = byteToId.clone();
        this.merges = merges;
        this.wholeWordVocab = wholeWordVocab;
    }

    /** Appends the ids of one pre-token (text without unpaired surrogates) to {@code out}. */
    void encode(String piece, IntList out) {
        boolean cacheable = piece.length() <= CACHE_MAX_PIECE_CHARS;
        if (cacheable) {
            int[] hit = cache.get(piece);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        int[] ids = encodeBytes(piece.getBytes(StandardCharsets.UTF_8));
        if (cacheable) {
            if (cache.size() >= CACHE_MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(piece, ids);
        }
        out.addAll(ids);
    }

    /** BPE of raw bytes, uncached. */
    int[] encodeBytes(byte[] bytes) {
        int n = bytes.length;
        if (wholeWordVocab != null) {
            Integer whole = wholeWordVocab.get(ByteLevel.encode(bytes));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            int id = byteToId[bytes[i] & 0xFF];
            if (id < 0) {
                throw new IllegalStateException(String.format(
                        "the vocabulary has no token for byte 0x%02X (byte-level token '%c')",
                        bytes[i] & 0xFF, ByteLevel.charOf(bytes[i])));
            }
            ids[i] = id;
        }
        if (n < 2) {
            return ids;
        }
        return n <= SCAN_LIMIT ? mergeByScan(ids) : mergeByQueue(ids);
    }

    /** Array-scan merge; {@code ids} is overwritten. */
    int[] mergeByScan(int[] ids) {
        int m = ids.length;
        int[] r = new int[m - 1];
        for (int k = 0; k < m - 1; k++) {
            r[k] = merges.rank(ids[k], ids[k + 1]);
        }
        while (m > 1) {
            int best = 0;
            int bestRank = r[0];
            for (int k = 1; k < m - 1; k++) {
                if (r[k] < bestRank) {
                    bestRank = r[k];
                    best = k;
                }
            }
            if (bestRank == MergeTable.NONE) {
                break;
            }
            ids[best] = merges.result(bestRank);
            // drop symbol best+1 and pair slot best+1
            System.arraycopy(ids, best + 2, ids, best + 1, m - best - 2);
            if (m - best - 3 > 0) {
                System.arraycopy(r, best + 2, r, best + 1, m - best - 3);
            }
            m--;
            if (best > 0) {
                r[best - 1] = merges.rank(ids[best - 1], ids[best]);
            }
            if (best < m - 1) {
                r[best] = merges.rank(ids[best], ids[best + 1]);
            }
        }
        return m == ids.length ? ids : java.util.Arrays.copyOf(ids, m);
    }

    /** Priority-queue merge over a linked list; {@code ids} is overwritten. */
    int[] mergeByQueue(int[] ids) {
        int n = ids.length;
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1; // n means "none"
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i < n - 1; i++) {
            int rank = merges.rank(ids[i], ids[i + 1]);
            if (rank != MergeTable.NONE) {
                heap.push(entry(rank, i));
            }
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (ids[pos] < 0) {
                continue; // symbol was merged into its left neighbour
            }
            int right = next[pos];
            if (right >= n || merges.rank(ids[pos], ids[right]) != rank) {
                continue; // stale: the pair has changed since this entry was queued
            }
            ids[pos] = merges.result(rank);
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after < n) {
                prev[after] = pos;
            }
            alive--;
            int before = prev[pos];
            if (before >= 0) {
                int rb = merges.rank(ids[before], ids[pos]);
                if (rb != MergeTable.NONE) {
                    heap.push(entry(rb, before));
                }
            }
            if (after < n) {
                int ra = merges.rank(ids[pos], ids[after]);
                if (ra != MergeTable.NONE) {
                    heap.push(entry(ra, pos));
                }
            }
        }
        int[] out = new int[alive];
        int o = 0;
        for (int i = 0; i < n; i = next[i]) {
            out[o++] = ids[i];
        }
        return out;
    }

    private static long entry(int rank, int pos) {
        return ((long) rank << 32) | pos;
    }

    /** Binary min-heap of longs: (rank, position) ordered lexicographically. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) {
                a = java.util.Arrays.copyOf(a, a.length * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && a[child + 1] < a[child]) {
                    child++;
                }
                if (last <= a[child]) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            if (size > 0) {
                a[i] = last;
            }
            return top;
        }
    }
}
