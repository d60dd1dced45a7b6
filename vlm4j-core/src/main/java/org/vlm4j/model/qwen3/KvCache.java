package org.vlm4j.model.qwen3;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Objects;
import org.vlm4j.tensor.Ops;

/**
 * Storage of the attention keys and values of one sequence, and the attention computed over them.
 * The forward pass only stores one position's rows and asks for the attention of a group of query
 * heads, so the storage type (F32, F16) stays private to the implementations.
 *
 * <p><b>Paged, lazily committed, off-heap.</b> Positions are grouped in pages of {@link #KEY_BLOCK}
 * positions per layer; a page is allocated (native memory from an arena owned by the cache) the
 * first time a position of it is stored, so a 4096-position context that a chat fills to 300
 * positions costs two pages per layer, not sixteen, and none of it is on the Java heap. The last
 * page of a context that is not a multiple of {@link #KEY_BLOCK} is only as wide as it needs to be
 * (rounded up to the scores tile). Pages are kept when the sequence is truncated or emptied (the
 * next positions reuse them); {@link #close} frees them all, and a cache that is dropped without
 * being closed is freed by a {@link Cleaner} once it is unreachable.
 *
 * <p>Layout inside a page of width {@code pw}: keys in tiles of {@code T =}
 * {@link AttentionKernels#KEY_TILE} positions, transposed within the tile,
 * {@code [kvHead][pw / T][headDim][T]}, so score vectors run along positions and the keys of any
 * run of positions are one contiguous range; then values {@code [kvHead][pw][headDim]}, so one
 * position's value row is contiguous. Attention is computed in blocks of {@link #KEY_BLOCK}
 * positions (one page each): {@link #keyBlock} and {@link #valueBlock} widen or copy one page's
 * block into the worker's f32 scratch with one bulk conversion each, and the f32 kernels read it
 * there. (Keys used to be stored {@code [kvHead][headDim][pw]}: a short context then needed one
 * small conversion per head dimension, 128 per block, and that was over 40% of a decoded token's
 * attention time.)
 *
 * <p>Sizes: {@link #byteSize()} is what the cache holds once every position is used (reserved),
 * {@link #committedBytes()} what its allocated pages hold now.
 */
abstract class KvCache implements AutoCloseable {
    /** Positions per attention block and per page. */
    static final int KEY_BLOCK = 256;

    /** Frees the pages of caches that were dropped without {@link #close}. */
    private static final Cleaner CLEANER = Cleaner.create();

    final int layers;
    final int capacity;
    final int kvHeads;
    final int headDim;
    final int kvDim;
    /** Capacity rounded up to the scores tile: the length of a row of attention scores. */
    final int paddedCapacity;
    /** Bytes per stored value. */
    final int valueBytes;
    private final MemorySegment[][] pages; // [layer][page], null until first stored into
    private final Arena arena;
    private final Cleaner.Cleanable cleanable;
    private long committed;
    private boolean closed;

    KvCache(int layers, int capacity, int kvHeads, int headDim, int valueBytes) {
        if (layers < 1 || capacity < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("bad KV cache shape: " + layers + " layers, " + capacity + " positions, "
                    + kvHeads + " kv heads of " + headDim);
        }
        this.layers = layers;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        this.valueBytes = valueBytes;
        int tile = AttentionKernels.KEY_TILE;
        this.paddedCapacity = (capacity + tile - 1) / tile * tile;
        if ((long) headDim * KEY_BLOCK > Integer.MAX_VALUE / 2 || (long) paddedCapacity * 64 > Integer.MAX_VALUE) {
            // the f32 scratch holds a block of one head and score rows of the whole context
            throw new IllegalArgumentException("context " + capacity + " with heads of " + headDim + " is too large");
        }
        this.pages = new MemorySegment[layers][(capacity + KEY_BLOCK - 1) / KEY_BLOCK];
        Arena a = Arena.ofShared();
        this.arena = a;
        this.cleanable = CLEANER.register(this, a::close); // must not capture this
    }

    static KvCache create(KvCacheType type, int layers, int capacity, int kvHeads, int headDim) {
        return switch (type) {
            case F32 -> new F32KvCache(layers, capacity, kvHeads, headDim);
            case F16 -> new F16KvCache(layers, capacity, kvHeads, headDim);
        };
    }

    /** Positions held by page {@code p}: {@link #KEY_BLOCK}, less for a short last page (tile multiple). */
    final int pageWidth(int p) {
        int start = p * KEY_BLOCK;
        return Math.min(KEY_BLOCK, paddedCapacity - start);
    }

    /** Bytes of page {@code p} of one layer (keys and values). */
    private long pageBytes(int p) {
        return 2L * kvDim * pageWidth(p) * valueBytes;
    }

    /** Byte offset of the values within a page of width {@code pw}. */
    final long valuesOffset(int pw) {
        return (long) kvDim * pw * valueBytes;
    }

    /** Page {@code p} of {@code layer}, allocated (zeroed) now if it is not yet. */
    private MemorySegment page(int layer, int p) {
        MemorySegment s = pages[layer][p];
        if (s == null) {
            if (closed) {
                throw new IllegalStateException("the KV cache is closed");
            }
            long bytes = pageBytes(p);
            s = arena.allocate(bytes, 64);
            pages[layer][p] = s;
            committed += bytes;
        }
        return s;
    }

    /**
     * Stores the keys and values of positions {@code pos .. pos + n - 1} of {@code layer}: position
     * {@code pos + t} takes the {@code kvDim} values at {@code k[kOff + t * kvDim]} and
     * {@code v[vOff + t * kvDim]}. Allocates the pages the positions fall in when needed.
     */
    final void store(int layer, int pos, int n, float[] k, int kOff, float[] v, int vOff) {
        reserve(layer, pos, n);
        for (int t = 0; t < n; t++) {
            int p = (pos + t) / KEY_BLOCK;
            MemorySegment page = pages[layer][p];
            int pw = pageWidth(p);
            int slot = pos + t - p * KEY_BLOCK;
            for (int h = 0; h < kvHeads; h++) {
                storeKeyRow(page, pw, slot, h, k, kOff + t * kvDim + h * headDim);
                storeValueRow(page, pw, slot, h, v, vOff + t * kvDim + h * headDim);
            }
        }
        Reference.reachabilityFence(this);
    }

    /** Stores one position. */
    final void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        store(layer, pos, 1, k, kOff, v, vOff);
    }

    /**
     * Allocates the pages that positions {@code pos .. pos + n - 1} of {@code layer} fall in, so
     * that {@link #storeKey}/{@link #storeValue} can then run on several threads at once (for
     * different heads). Not thread-safe itself.
     */
    final void reserve(int layer, int pos, int n) {
        Objects.checkIndex(layer, layers);
        Objects.checkFromIndexSize(pos, n, capacity);
        if (n > 0) {
            for (int p = pos / KEY_BLOCK, last = (pos + n - 1) / KEY_BLOCK; p <= last; p++) {
                page(layer, p);
            }
        }
    }

    /**
     * Stores the {@code headDim} key values at {@code k[off ..]} as kv head {@code kvHead} of
     * position {@code pos}. The page must have been {@link #reserve reserved}; calls for different
     * heads may run concurrently.
     */
    final void storeKey(int layer, int pos, int kvHead, float[] k, int off) {
        storeHeadRow(layer, pos, kvHead, k, off, true);
    }

    /** {@link #storeKey} for the values. */
    final void storeValue(int layer, int pos, int kvHead, float[] v, int off) {
        storeHeadRow(layer, pos, kvHead, v, off, false);
    }

    private void storeHeadRow(int layer, int pos, int kvHead, float[] a, int off, boolean key) {
        Objects.checkIndex(kvHead, kvHeads);
        Objects.checkIndex(pos, capacity);
        int p = pos / KEY_BLOCK;
        MemorySegment page = storedPage(layer, p * KEY_BLOCK);
        if (key) {
            storeKeyRow(page, pageWidth(p), pos - p * KEY_BLOCK, kvHead, a, off);
        } else {
            storeValueRow(page, pageWidth(p), pos - p * KEY_BLOCK, kvHead, a, off);
        }
        Reference.reachabilityFence(this);
    }

    /**
     * Writes the {@code headDim} keys at {@code k[off ..]} into slot {@code slot} of {@code page}
     * (width {@code pw}) for kv head {@code kvHead}, in the tiled layout ({@link #keyOffset}).
     */
    abstract void storeKeyRow(MemorySegment page, int pw, int slot, int kvHead, float[] k, int off);

    /** Writes the {@code headDim} values at {@code v[off ..]} into slot {@code slot} of {@code page}. */
    abstract void storeValueRow(MemorySegment page, int pw, int slot, int kvHead, float[] v, int off);

    /** Byte offset of kv head {@code kvHead}'s value row of slot {@code slot} in a page of width {@code pw}. */
    final long valueOffset(int pw, int slot, int kvHead) {
        return valuesOffset(pw) + ((long) kvHead * pw + slot) * headDim * valueBytes;
    }

    /** Converts {@code n} consecutive stored values at byte {@code offset} of {@code page} to f32. */
    abstract void load(MemorySegment page, long offset, float[] dst, int dstOff, int n);

    /** Bytes the cache holds once every position is used (reserved; the last page may be narrower). */
    final long byteSize() {
        return 2L * layers * kvDim * paddedCapacity * valueBytes;
    }

    /** Bytes of the pages allocated so far (committed): grows with the positions stored. */
    final long committedBytes() {
        return committed;
    }

    /**
     * Frees every page now. Idempotent; storing or attending afterwards fails with
     * {@link IllegalStateException}. Must not run while another thread uses the cache.
     */
    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            for (MemorySegment[] l : pages) {
                java.util.Arrays.fill(l, null);
            }
            committed = 0;
            cleanable.clean();
        }
    }

    final boolean isClosed() {
        return closed;
    }

    /** The page holding block {@code jb} (a multiple of {@link #KEY_BLOCK}), which must have been stored. */
    private MemorySegment storedPage(int layer, int jb) {
        Objects.checkIndex(layer, layers);
        MemorySegment s = pages[layer][jb / KEY_BLOCK];
        if (s == null) {
            throw new IllegalStateException(closed ? "the KV cache is closed"
                    : "positions from " + jb + " of layer " + layer + " were never stored");
        }
        return s;
    }

    /**
     * Fills {@code sc.kt} with the f32 keys of positions {@code [jb, jb + nk)} of one kv head
     * ({@code jb} a multiple of {@link #KEY_BLOCK}, {@code nk <= KEY_BLOCK}) in the page's tiled
     * layout: key {@code j}, dimension {@code d} at
     * {@code kt[((j / T) * headDim + d) * T + j % T]} with {@code T =}
     * {@link AttentionKernels#KEY_TILE}, readable for {@code j < nk} rounded up to a tile (positions
     * past the last stored one hold zeros or stale keys).
     */
    final void keyBlock(int layer, int kvHead, int jb, int nk, Scratch sc) {
        MemorySegment page = storedPage(layer, jb);
        int pw = pageWidth(jb / KEY_BLOCK);
        int t = AttentionKernels.KEY_TILE;
        int tiles = (nk + t - 1) / t;
        load(page, keyOffset(pw, kvHead, 0, 0) * valueBytes, sc.kt, 0, tiles * headDim * t);
    }

    /**
     * Element index (not bytes) of key dimension {@code d} of the position in slot {@code slot} of
     * a page of width {@code pw}, for kv head {@code kvHead} (tiled layout of the class comment).
     */
    final long keyOffset(int pw, int kvHead, int slot, int d) {
        int t = AttentionKernels.KEY_TILE;
        return (((long) kvHead * (pw / t) + slot / t) * headDim + d) * t + slot % t;
    }

    /**
     * Fills {@code sc.v} with the f32 values of positions {@code [jb, jb + nk)}: value {@code j},
     * dimension {@code d} at {@code v[j * headDim + d]}.
     */
    final void valueBlock(int layer, int kvHead, int jb, int nk, Scratch sc) {
        MemorySegment page = storedPage(layer, jb);
        int pw = pageWidth(jb / KEY_BLOCK);
        load(page, valueOffset(pw, 0, kvHead), sc.v, 0, nk * headDim);
    }

    /** Per-thread scratch for {@link #attend} with up to {@code maxRows} query rows. */
    Scratch newScratch(int maxRows) {
        return new Scratch(maxRows, headDim, paddedCapacity);
    }

    /**
     * Causal attention of {@code tokens} consecutive query tokens (positions {@code p0 ..
     * p0 + tokens - 1}, token {@code t} seeing positions {@code [0, p0 + t]}) for the {@code group}
     * query heads that share {@code kvHead}: {@code out = softmax(scale * q . K^T) . V}, softmax in
     * f32. The query of token t, head g is at {@code q[qOff + t * qStride + g * headDim]}; its output
     * goes to {@code out[outOff + t * outStride + g * headDim]}.
     */
    final void attend(int layer, int kvHead, int p0, int tokens, int group, float scale, float[] q, int qOff, int qStride,
            float[] out, int outOff, int outStride, Scratch sc) {
        int hd = headDim;
        int rows = tokens * group;
        int nMax = p0 + tokens;
        float[] qp = sc.q;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < group; g++) {
                int src = qOff + t * qStride + g * hd;
                int dst = (t * group + g) * hd;
                for (int d = 0; d < hd; d++) {
                    qp[dst + d] = q[src + d] * scale;
                }
            }
        }
        float[] s = sc.s;
        int ss = sc.sStride;
        for (int jb = 0; jb < nMax; jb += KEY_BLOCK) {
            int nk = Math.min(KEY_BLOCK, nMax - jb);
            keyBlock(layer, kvHead, jb, nk, sc);
            AttentionKernels.scores(qp, rows, hd, sc.kt, 0, nk, s, jb, ss);
        }
        for (int t = 0; t < tokens; t++) {
            int n = p0 + t + 1;
            for (int g = 0; g < group; g++) {
                int o = (t * group + g) * ss;
                Ops.softmax(s, o, n);
                java.util.Arrays.fill(s, o + n, o + nMax, 0f);
            }
        }
        float[] acc = sc.o;
        java.util.Arrays.fill(acc, 0, rows * hd, 0f);
        for (int jb = 0; jb < nMax; jb += KEY_BLOCK) {
            int nk = Math.min(KEY_BLOCK, nMax - jb);
            valueBlock(layer, kvHead, jb, nk, sc);
            AttentionKernels.accumulate(s, jb, ss, rows, nk, sc.v, 0, hd, acc, hd);
        }
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < group; g++) {
                System.arraycopy(acc, (t * group + g) * hd, out, outOff + t * outStride + g * hd, hd);
            }
        }
        Reference.reachabilityFence(this);
    }

    /** Scratch buffers of one attention worker; {@link #keyBlock} and {@link #valueBlock} fill {@code kt} and {@code v}. */
    static final class Scratch {
        final float[] q;
        final float[] s;
        final int sStride;
        final float[] o;
        final float[] kt;
        final float[] v;

        Scratch(int maxRows, int headDim, int paddedCapacity) {
            q = new float[maxRows * headDim];
            sStride = paddedCapacity;
            s = new float[maxRows * paddedCapacity];
            o = new float[maxRows * headDim];
            kt = new float[headDim * KEY_BLOCK];
            v = new float[KEY_BLOCK * headDim];
        }
    }
}
