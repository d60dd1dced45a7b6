package org.vlm4j.tokenizer;

import java.util.Arrays;

/** A minimal growable list of primitive ints (token ids, offsets) without boxing. */
final class IntList {
    private int[] a;
    private int size;

    IntList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (size == a.length) {
            a = Arrays.copyOf(a, a.length + (a.length >> 1) + 4);
        }
        a[size++] = v;
    }

    void addAll(int[] values) {
        if (size + values.length > a.length) {
            a = Arrays.copyOf(a, Math.max(size + values.length, a.length + (a.length >> 1) + 4));
        }
        System.arraycopy(values, 0, a, size, values.length);
        size += values.length;
    }

    int get(int i) {
        return a[i];
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(a, size);
    }
}
