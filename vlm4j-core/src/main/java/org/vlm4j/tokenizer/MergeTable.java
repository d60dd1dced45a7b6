package org.vlm4j.tokenizer;

import java.util.Arrays;

/**
 * BPE merge rules: maps a pair of adjacent token ids to the rank of their merge (its position in
 * the merge list; lower merges first) and the id of the merged token.
 *
 * <p>An open-addressing hash table keyed by both ids packed into one {@code long}, so a lookup costs
 * one multiply and usually one probe, with no boxing. Immutable after construction; thread-safe.
 */
final class MergeTable {
    static final int NONE = Integer.MAX_VALUE;
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] resultByRank;
    private final int shift;
    private final int mask;

    /**
     * @param left left token id of each merge, in rank order
     * @param right right token id of each merge
     * @param result id of the merged token
     */
    MergeTable(int[] left, int[] right, int[] result) {
        int count = left.length;
        int bits = 4;
        while ((1 << bits) < count * 2 + 2) {
            bits++;
        }
        keys = new long[1 << bits];
        ranks = new int[1 << bits];
        Arrays.fill(keys, EMPTY);
        shift = 64 - bits;
        mask = (1 << bits) - 1;
        resultByRank = result.clone();
        for (int rank = 0; rank < count; rank++) {
            long key = key(left[rank], right[rank]);
            int slot = slot(key);
            while (keys[slot] != EMPTY && keys[slot] != key) {
                slot = (slot + 1) & mask;
            }
            // A pair listed twice keeps its last rank (as the reference implementation does).
            keys[slot] = key;
            ranks[slot] = rank;
        }
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** Rank of the merge of {@code a} followed by {@code b}, or {@link #NONE}. */
    int rank(int a, int b) {
        long key = key(a, b);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return ranks[slot];
            }
            if (k == EMPTY) {
                return NONE;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Id of the token produced by the merge of the given rank. */
    int result(int rank) {
        return resultByRank[rank];
    }

    int size() {
        return resultByRank.length;
    }
}
