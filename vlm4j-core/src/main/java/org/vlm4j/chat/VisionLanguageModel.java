package org.vlm4j.chat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.vlm4j.model.LanguageModel;
import org.vlm4j.model.ModelInput;
import org.vlm4j.model.internvit.InternVitConfig;
import org.vlm4j.model.internvit.InternVitEncoder;
import org.vlm4j.model.internvit.InternVitModel;
import org.vlm4j.model.qwen3.Qwen3Model;
import org.vlm4j.model.qwen3.Qwen3State;
import org.vlm4j.tensor.WorkerPool;
import org.vlm4j.tokenizer.Tokenizer;
import org.vlm4j.vision.ImageDecodeException;
import org.vlm4j.vision.ImageDecoder;
import org.vlm4j.vision.ImagePreprocessor;
import org.vlm4j.vision.PreprocessConfig;
import org.vlm4j.vision.PreprocessedImage;
import org.vlm4j.vision.RgbImage;

/**
 * A vision-language model ready to chat: the text model (a {@code qwen3}/{@code qwen2} GGUF with
 * its tokenizer) and optionally the vision encoder (an InternVL mmproj GGUF). Both files are mapped
 * once; the object is immutable and shared, and {@link #newConversation} gives independent
 * conversations, each with its own KV cache, usable from different threads at the same time.
 *
 * <pre>{@code
 * try (VisionLanguageModel model = VisionLanguageModel.load(llm, mmproj, LoadOptions.DEFAULTS)) {
 *     Conversation c = model.newConversation();
 *     c.setImage(Path.of("cat.jpg"));
 *     System.out.println(c.ask("<image>\nWhat is in the picture?").text());
 * }
 * }</pre>
 */
public final class VisionLanguageModel implements AutoCloseable {
    private final Qwen3Model text;
    private final InternVitModel vision;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor;
    private final int[] endOfTurnTokens;
    private final double textLoadMillis;
    private final double visionLoadMillis;
    private final Path textPath;
    private final Path visionPath;
    private final org.vlm4j.model.qwen3.KvCacheType kvCacheType;

    private VisionLanguageModel(Path textPath, Qwen3Model text, double textMs, Path visionPath, InternVitModel vision,
            double visionMs, LoadOptions options) {
        this.textPath = textPath;
        this.visionPath = visionPath;
        this.text = text;
        this.vision = vision;
        this.kvCacheType = options.kvCacheType();
        this.textLoadMillis = textMs;
        this.visionLoadMillis = visionMs;
        this.tokenizer = Tokenizer.fromGguf(text.file());
        List<Integer> eot = new ArrayList<>();
        eot.add(requireToken(ChatTemplate.IM_END));
        int eos = tokenizer.tokenId(ChatTemplate.END_OF_TEXT);
        if (eos >= 0) {
            eot.add(eos);
        }
        this.endOfTurnTokens = eot.stream().mapToInt(Integer::intValue).toArray();
        if (vision != null) {
            InternVitConfig vc = vision.config();
            if (vc.projectionDim() != text.embeddingWidth()) {
                throw new IllegalArgumentException(visionPath.getFileName() + " projects images to width " + vc.projectionDim()
                        + " but " + textPath.getFileName() + " has hidden size " + text.embeddingWidth()
                        + ": the two files do not belong to the same model");
            }
            for (String t : new String[] {ChatTemplate.IMG_START, ChatTemplate.IMG_END, ChatTemplate.IMG_CONTEXT}) {
                requireToken(t);
            }
            int maxTiles = options.maxTiles() > 0 ? options.maxTiles() : vc.maxTiles();
            int minTiles = Math.min(vc.minTiles(), maxTiles);
            this.preprocessor = new ImagePreprocessor(PreprocessConfig.internVlDefaults()
                    .withImageSize(vc.imageSize()).withTiles(minTiles, maxTiles)
                    .withNormalization(vc.imageMean(), vc.imageStd()));
        } else {
            this.preprocessor = null;
        }
        this.decoder = new ImageDecoder().withMaxPixels(options.maxPixels()).withExifOrientation(options.exifRotate());
        this.pool = WorkerPool.create(options.threads() > 0 ? options.threads() : WorkerPool.defaultThreads());
    }

    /**
     * Maps the text model {@code llm} and, unless {@code vision} is null, the vision encoder.
     *
     * @throws IOException if a file cannot be read
     * @throws org.vlm4j.gguf.GgufFormatException if a file is not a valid GGUF or not the expected kind
     * @throws IllegalArgumentException if the files do not fit together or lack required tokens
     */
    public static VisionLanguageModel load(Path llm, Path vision, LoadOptions options) throws IOException {
        Objects.requireNonNull(llm, "llm");
        Objects.requireNonNull(options, "options");
        long t0 = System.nanoTime();
        Qwen3Model text = Qwen3Model.open(llm);
        long t1 = System.nanoTime();
        InternVitModel vit = null;
        try {
            if (vision != null) {
                vit = InternVitModel.load(vision);
            }
            long t2 = System.nanoTime();
            return new VisionLanguageModel(llm, text, (t1 - t0) / 1e6, vision, vit, (t2 - t1) / 1e6, options);
        } catch (IOException | RuntimeException e) {
            text.close();
            if (vit != null) {
                vit.close();
            }
            throw e;
        }
    }

    private int requireToken(String t) {
        int id = tokenizer.tokenId(t);
        if (id < 0) {
            throw new IllegalArgumentException(textPath.getFileName() + ": the vocabulary has no token '" + t
                    + "', which the InternVL chat template needs");
        }
        return id;
    }

    /** A new conversation with default options. */
    public Conversation newConversation() {
        return newConversation(ConversationOptions.DEFAULTS);
    }

    /** A new, independent conversation with its own KV cache. */
    public Conversation newConversation(ConversationOptions options) {
        checkOpen();
        return new Conversation(this, options);
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public LanguageModel languageModel() {
        return text;
    }

    /** The text model's file. */
    public Path textPath() {
        return textPath;
    }

    /** The vision file, or null for a text-only model. */
    public Path visionPath() {
        return visionPath;
    }

    public boolean hasVision() {
        return vision != null;
    }

    /** The vision encoder, or null. */
    public InternVitModel visionModel() {
        return vision;
    }

    /** The text model. */
    public Qwen3Model textModel() {
        return text;
    }

    public WorkerPool pool() {
        return pool;
    }

    /** Ids that end an assistant turn: {@code <|im_end|>} and, if present, {@code <|endoftext|>}. */
    public int[] endOfTurnTokens() {
        return endOfTurnTokens.clone();
    }

    public double textLoadMillis() {
        return textLoadMillis;
    }

    public double visionLoadMillis() {
        return visionLoadMillis;
    }

    public ImageDecoder imageDecoder() {
        return decoder;
    }

    /** The image preprocessor, or null for a text-only model. */
    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    /** Decodes an image file with this model's limits. */
    public RgbImage decodeImage(Path file) throws ImageDecodeException {
        return decoder.decode(file);
    }

    /** Converts an AWT image to RGB pixels (alpha dropped). */
    public static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int o = (y * w + x) * 3;
                rgb[o] = (byte) (p >> 16);
                rgb[o + 1] = (byte) (p >> 8);
                rgb[o + 2] = (byte) p;
            }
        }
        return new RgbImage(w, h, rgb);
    }

    /** Images given to the vision encoder so far (for tests: a refused message encodes none). */
    final java.util.concurrent.atomic.AtomicLong imagesEncoded = new java.util.concurrent.atomic.AtomicLong();

    /**
     * How many embedding rows {@code image} will take in a prompt (its tiles, with the thumbnail,
     * times the rows of a tile), known from its size without encoding it; 0 without a vision model.
     */
    public int imageRows(RgbImage image) {
        if (vision == null) {
            return 0;
        }
        return Math.multiplyExact(preprocessor.tileCountFor(image.width(), image.height()), vision.config().tokensPerTile());
    }

    /** @throws ConversationException when this model has no vision encoder to look at images */
    void requireVision() {
        if (vision == null) {
            throw new ConversationException("this model has no vision encoder (load it with an mmproj file) to look at images");
        }
    }

    /** Preprocesses and encodes {@code image} with {@code encoder} (one per conversation). */
    ImageEmbedding embed(RgbImage image, InternVitEncoder encoder) {
        requireVision();
        long t0 = System.nanoTime();
        imagesEncoded.incrementAndGet();
        PreprocessedImage p = preprocessor.preprocess(image);
        float[] rows = encoder.encode(p.pixels(), p.tileCount());
        double ms = (System.nanoTime() - t0) / 1e6;
        return new ImageEmbedding(rows, rows.length / text.embeddingWidth(), p.tileCount(), p.gridCols(), p.gridRows(),
                image.width(), image.height(), ms);
    }

    /** A fresh KV-cache state for one conversation, of the type chosen at load time. */
    org.vlm4j.model.SequenceState newState(int contextSize) {
        return text.newState(contextSize, org.vlm4j.model.qwen3.Qwen3State.DEFAULT_BATCH, kvCacheType, pool);
    }

    /** A new vision encoder (activation buffers for one conversation). */
    InternVitEncoder newEncoder() {
        return vision.newEncoder(pool);
    }

    /** Text of the warm-up prefill: ordinary English, repeated to {@link #WARM_UP_PREFILL} tokens. */
    private static final String WARM_UP_TEXT = "A small boat drifts past the old stone bridge while children wave from the "
            + "river bank, and a dog runs along the path beside them. ";
    private static final int WARM_UP_PREFILL = 96;
    private static final int WARM_UP_STEP = 32;
    private static final int WARM_UP_DECODE = 16;
    private static final int WARM_UP_VISION_LAYERS = 2;

    /**
     * Gets the JIT to compile the engine's kernels on this model's real weights and shapes, so that
     * the first answer runs at full speed. Without it, the first prompt and the first picture of a
     * process take ~1.5x their later time on a 2-core machine (BENCHMARKS.md, "A one-shot picture
     * question"). Runs a 96-token prefill in steps of 32 and 16 decode steps in a scratch state, then,
     * with a vision encoder, its first two layers and the projector on a synthetic tile. No
     * conversation is touched and every result is discarded.
     *
     * <p>Meant for a background thread while a person types (the {@code chat} command does this).
     * {@code stop} is checked between steps, which take a fraction of a second once compiled and up
     * to about a second before; the method then returns early. It shares the worker pool with
     * conversations, so a request that arrives meanwhile still runs, interleaved with it.
     *
     * @return whether every step ran (false when {@code stop} ended it early)
     */
    public boolean warmUp(BooleanSupplier stop) {
        int[] text1 = tokenizer.encodeOrdinary(WARM_UP_TEXT);
        if (text1.length == 0) {
            return false;
        }
        int[] ids = new int[WARM_UP_PREFILL + WARM_UP_DECODE];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = text1[i % text1.length];
        }
        try (Qwen3State st = text.newState(ids.length, Qwen3State.DEFAULT_BATCH, kvCacheType, pool)) {
            for (int at = 0; at < WARM_UP_PREFILL; at += WARM_UP_STEP) {
                if (stop.getAsBoolean()) {
                    return false;
                }
                st.append(ModelInput.tokens(Arrays.copyOfRange(ids, at, at + WARM_UP_STEP)));
            }
            for (int i = WARM_UP_PREFILL; i < ids.length; i++) {
                if (stop.getAsBoolean()) {
                    return false;
                }
                st.decode(ids[i]);
            }
        }
        if (vision != null) {
            if (stop.getAsBoolean()) {
                return false;
            }
            vision.newEncoder(pool).warmUp(WARM_UP_VISION_LAYERS);
        }
        return true;
    }

    /** A short multi-line summary: architecture, sizes, weight types, threads, load times. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "text:   %s (%s) loaded in %.0f ms%n", textPath.getFileName(), text, textLoadMillis));
        if (vision != null) {
            sb.append(String.format(java.util.Locale.ROOT, "vision: %s (%s) loaded in %.0f ms%n", visionPath.getFileName(), vision,
                    visionLoadMillis));
        }
        sb.append("threads: ").append(pool.threads());
        return sb.toString();
    }

    private volatile boolean closed;

    /** @throws IllegalStateException once the model is closed */
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
        text.close();
        if (vision != null) {
            vision.close();
        }
        pool.close();
    }
}
