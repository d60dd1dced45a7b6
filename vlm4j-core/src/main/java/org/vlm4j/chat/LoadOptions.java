package org.vlm4j.chat;

import org.vlm4j.model.qwen3.KvCacheType;
import org.vlm4j.tensor.WorkerPool;
import org.vlm4j.vision.ImageDecoder;

/**
 * How {@link VisionLanguageModel#load} sets the model up.
 *
 * @param threads compute threads; 0 = one per available processor
 * @param maxTiles upper limit of image tiles; 0 = the mmproj's {@code preproc_max_tiles} (else 12);
 *     1 = one stretched tile (fastest)
 * @param maxPixels images with more pixels are refused before decoding
 * @param exifRotate apply the EXIF orientation of JPEGs (the reference model does not)
 * @param kvCacheType storage of every conversation's KV cache: F16 (half the memory and bandwidth,
 *     the default, as in llama.cpp) or F32 (exact)
 */
public record LoadOptions(int threads, int maxTiles, long maxPixels, boolean exifRotate, KvCacheType kvCacheType) {
    /**
     * The most tiles a picture may be cut into: 256 rows each, so 1,024 tiles already need a
     * context of 262,144 positions, more than any InternVL model has.
     */
    public static final int MAX_TILES = 1024;

    public static final LoadOptions DEFAULTS = new LoadOptions(0, 0, ImageDecoder.DEFAULT_MAX_PIXELS, false, KvCacheType.F16);

    public LoadOptions {
        if (threads < 0 || threads > WorkerPool.MAX_THREADS) {
            throw new IllegalArgumentException("threads must be between 0 (all processors) and " + WorkerPool.MAX_THREADS + ", got " + threads);
        }
        if (maxTiles < 0 || maxTiles > MAX_TILES) {
            throw new IllegalArgumentException("max tiles must be between 0 (from the model) and " + MAX_TILES + ", got " + maxTiles);
        }
        java.util.Objects.requireNonNull(kvCacheType, "kvCacheType");
        if (maxPixels < 1) {
            throw new IllegalArgumentException("max pixels must be positive, got " + maxPixels);
        }
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(n, maxTiles, maxPixels, exifRotate, kvCacheType);
    }

    public LoadOptions withMaxTiles(int n) {
        return new LoadOptions(threads, n, maxPixels, exifRotate, kvCacheType);
    }

    public LoadOptions withMaxPixels(long n) {
        return new LoadOptions(threads, maxTiles, n, exifRotate, kvCacheType);
    }

    public LoadOptions withExifRotate(boolean b) {
        return new LoadOptions(threads, maxTiles, maxPixels, b, kvCacheType);
    }

    public LoadOptions withKvCacheType(KvCacheType t) {
        return new LoadOptions(threads, maxTiles, maxPixels, exifRotate, t);
    }
}
