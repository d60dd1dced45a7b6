package org.vlm4j.chat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;
import org.vlm4j.model.ContextFullException;
import org.vlm4j.model.ModelInput;
import org.vlm4j.model.internvit.InternVitEncoder;
import org.vlm4j.tokenizer.StreamingDecoder;
import org.vlm4j.vision.ImageDecodeException;
import org.vlm4j.vision.RgbImage;

/**
 * A dialogue with a {@link VisionLanguageModel}: the InternVL chat template, the current picture,
 * and the KV cache that remembers every turn, so that each message computes only its own new
 * tokens.
 *
 * <p>An {@code <image>} marker in a message shows the current picture ({@link #setImage}) to the
 * model at that place; the picture is encoded once and its rows reused. With
 * {@link ConversationOptions#autoImageMarker()} a newly set picture is also shown with the next
 * message that has no marker, as InternVL's {@code chat()} does.
 *
 * <p>Not thread-safe, except {@link #cancel()}, which may be called from any thread to stop the
 * answer being generated. Different conversations of one model may run on different threads.
 *
 * <p>The KV cache is native memory that grows with the dialogue; {@link #close()} frees it at once
 * (a conversation that is merely dropped is freed by the garbage collector, later).
 */
public final class Conversation implements AutoCloseable {
    private final VisionLanguageModel model;
    private final ConversationOptions options;
    private final PromptEncoder encoder;
    /** Positions of the system block and of the end of an answer ({@code <|im_end|>\n}); fixed per conversation. */
    private final int systemLen;
    private final int endLen;
    private final Session session;
    private final Generator generator;
    private InternVitEncoder visionEncoder;

    /**
     * Set while a call that changes the conversation runs (guarded by {@code this}). Other threads
     * wait at the lock; only the running call's own listener can see it set, and calling back in
     * from there would corrupt the dialogue, so that is an error.
     */
    private boolean busy;
    /** {@link #cancel} since the current ask began; honoured also before the first token (image encoding). */
    private volatile boolean cancelPending;

    /** Images shown in the dialogue, by index (several indices may share one embedding). */
    private final List<ImageEmbedding> shown = new ArrayList<>();
    /** Complete turns after the system block. */
    private final List<Turn> turns = new ArrayList<>();
    private RgbImage currentImage;
    private String currentImageName;
    private ImageEmbedding currentEmbedding;
    private boolean currentShown;
    private Answer lastAnswer;

    /** One user message (ids, image spans) and the answer tokens that followed it. */
    private record Turn(EncodedPrompt user, int[] answer) {
        boolean hasImage() {
            return !user.images().isEmpty();
        }
    }

    Conversation(VisionLanguageModel model, ConversationOptions options) {
        this.model = model;
        this.options = Objects.requireNonNull(options, "options");
        this.encoder = new PromptEncoder(model.tokenizer());
        this.systemLen = encoder.encode(ChatTemplate.system(options.systemMessage()), i -> 0).length();
        this.endLen = encoder.encode(ChatTemplate.endOfAnswer(), i -> 0).length();
        int ctx = Math.min(options.contextSize(), model.languageModel().trainedContextLength());
        this.session = new Session(model.newState(ctx));
        this.generator = new Generator(session);
    }

    public ConversationOptions options() {
        return options;
    }

    /** The model this conversation talks to. */
    public VisionLanguageModel model() {
        return model;
    }

    /**
     * Sets the current picture, read from a file now (so a bad file fails here). It is encoded when
     * first shown.
     *
     * @throws ImageDecodeException if the file is not a readable image within the limits
     */
    public synchronized void setImage(Path file) throws ImageDecodeException {
        RgbImage img = model.decodeImage(file);
        setImage(img, String.valueOf(file.getFileName()));
    }

    /** Sets the current picture from an AWT image (alpha dropped). */
    public synchronized void setImage(BufferedImage image) {
        setImage(VisionLanguageModel.toRgb(image), "image");
    }

    /** Sets the current picture. */
    public synchronized void setImage(RgbImage image, String name) {
        model.requireVision();
        Objects.requireNonNull(image, "image");
        enter();
        try {
            this.currentImage = image;
            this.currentImageName = name;
            this.currentEmbedding = null;
            this.currentShown = false;
        } finally {
            exit();
        }
    }

    /**
     * Reads {@code file}, checks that it fits in the context, encodes it, and only then makes it the
     * current picture (shown at the next {@code <image>}). If any step fails the current picture and
     * its encoding stay as they were.
     *
     * @throws ImageDecodeException if the file is not a readable image within the limits
     * @throws ConversationException if the picture alone needs more positions than the context holds
     */
    public synchronized ImageEmbedding switchImage(Path file) throws ImageDecodeException {
        model.requireVision();
        RgbImage img = model.decodeImage(file);
        enter();
        try {
            String text = ChatTemplate.withImageMarkers("", 1);
            checkImageCanFit(first -> ChatTemplate.userTurn(text, first, 1), img);
            ImageEmbedding e = model.embed(img, visionEncoder());
            this.currentImage = img;
            this.currentImageName = String.valueOf(file.getFileName());
            this.currentEmbedding = e;
            this.currentShown = false;
            return e;
        } finally {
            exit();
        }
    }

    /**
     * Throws when a turn showing {@code image} could not fit even in an empty context: the turn
     * built by {@code turnAt} plus the system prompt and one token of the answer.
     */
    private void checkImageCanFit(IntFunction<List<PromptPiece>> turnAt, RgbImage image) {
        int rows = model.imageRows(image);
        int first = shown.size();
        int turn = encoder.encode(turnAt.apply(first), i -> rows).length();
        if (systemLen + turn + 1 > session.capacity()) {
            int tiles = model.visionModel() == null ? 0 : rows / Math.max(1, model.visionModel().config().tokensPerTile());
            throw new ConversationException("the picture takes " + rows + " positions (" + tiles + " tiles of "
                    + (tiles == 0 ? 0 : rows / tiles) + "), and with the system prompt and the message " + (systemLen + turn + 1)
                    + " in all, more than the context of " + session.capacity()
                    + " holds (allow fewer tiles with --max-tiles, or a larger context with -c)");
        }
    }

    /** Whether a picture is set. */
    public synchronized boolean hasImage() {
        return currentImage != null;
    }

    /** Name of the current picture (file name), or null. */
    public synchronized String imageName() {
        return currentImageName;
    }

    /**
     * Encodes the current picture now if it is not encoded yet (otherwise returns the cached rows).
     * Useful to report the encode time before the first question.
     */
    public synchronized ImageEmbedding encodeImage() {
        enter();
        try {
            return encodeCurrent();
        } finally {
            exit();
        }
    }

    private ImageEmbedding encodeCurrent() {
        if (currentImage == null) {
            throw new ConversationException("no image is set");
        }
        if (currentEmbedding == null) {
            currentEmbedding = model.embed(currentImage, visionEncoder());
        }
        return currentEmbedding;
    }

    /** Answers {@code message} with the conversation's default options. */
    public Answer ask(String message) {
        return ask(message, options.ask(), TextListener.NONE);
    }

    /** Answers {@code message}, streaming the text to {@code listener}. */
    public Answer ask(String message, TextListener listener) {
        return ask(message, options.ask(), listener);
    }

    /**
     * Answers {@code message}: each {@code <image>} marker shows the current picture.
     *
     * @throws ConversationException if the message uses {@code <image>} without a picture, or does
     *     not fit in the context (with {@link ContextPolicy#STOP}, or when it is too long even
     *     alone); the conversation is unchanged
     */
    public synchronized Answer ask(String message, AskOptions ask, TextListener listener) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(ask, "ask");
        enter();
        try {
            cancelPending = false;
            return askMarked(message, ask, listener);
        } finally {
            exit();
        }
    }

    private Answer askMarked(String message, AskOptions ask, TextListener listener) {
        String text = message;
        int markers = ChatTemplate.countImageMarkers(text);
        if (markers == 0 && options.autoImageMarker() && currentImage != null && !currentShown) {
            text = ChatTemplate.withImageMarkers(text, 1);
            markers = 1;
        }
        double visionMs = 0;
        int tiles = 0;
        List<ImageEmbedding> images = new ArrayList<>();
        if (markers > 0) {
            if (currentImage == null) {
                throw new ConversationException("the message shows <image> but no image is set");
            }
            if (currentEmbedding == null) {
                String t = text;
                int n = markers;
                List<RgbImage> same = java.util.Collections.nCopies(n, currentImage);
                checkFitsBeforeEncoding(first -> ChatTemplate.userTurn(t, first, n), same, 1);
                encodeCurrent();
                visionMs = currentEmbedding.encodeMillis();
                tiles = currentEmbedding.tiles();
                if (cancelPending) { // cancelled while the picture was encoded: keep the encoding, drop the message
                    return cancelledBeforeGeneration(tiles, visionMs);
                }
            }
            for (int i = 0; i < markers; i++) {
                images.add(currentEmbedding);
            }
        }
        String turnText = text;
        int shownImages = images.size();
        Answer a = answer(first -> ChatTemplate.userTurn(turnText, first, shownImages), images, ask, listener, visionMs, tiles);
        if (markers > 0) {
            currentShown = true;
        }
        return a;
    }

    /**
     * Answers a message with its own images, as InternVL's {@code chat()} does: the k-th
     * {@code <image>} marker shows the k-th image, and markers missing for the images are put in
     * front of the message. (Used for one-shot runs and by the server.)
     */
    public synchronized Answer ask(String message, List<RgbImage> images, AskOptions ask, TextListener listener) {
        String text = ChatTemplate.withImageMarkers(message, images.size());
        return askWith(first -> ChatTemplate.userTurn(text, first, images.size()), images, ask, listener);
    }

    /**
     * Answers a message given as text segments with an image between each two, as the parts of an
     * API message come: {@code segments.get(0)}, {@code images.get(0)}, {@code segments.get(1)}, ...
     * Text is never searched for {@code <image>} markers here, so a message that mentions
     * "&lt;image&gt;" keeps it as text. (Used by the server.)
     *
     * @throws IllegalArgumentException unless there is exactly one more segment than images
     */
    public synchronized Answer askWithImagesBetween(List<String> segments, List<RgbImage> images, AskOptions ask,
            TextListener listener) {
        checkSegments(segments, images);
        List<String> copy = List.copyOf(segments);
        return askWith(first -> ChatTemplate.userTurnWithImagesBetween(copy, first), images, ask, listener);
    }

    /** The answer to a message cancelled while its pictures were encoded: no tokens, the context unchanged. */
    private Answer cancelledBeforeGeneration(int tiles, double visionMs) {
        lastAnswer = new Answer("", new int[0], StopReason.CANCELLED, 0, 0, 0, tiles, visionMs, 0);
        return lastAnswer;
    }

    private void requireVisionFor(List<RgbImage> images) {
        for (RgbImage img : images) {
            Objects.requireNonNull(img, "image");
        }
        if (!images.isEmpty()) {
            model.requireVision();
        }
    }

    private static void checkSegments(List<String> segments, List<RgbImage> images) {
        Objects.requireNonNull(segments, "segments");
        Objects.requireNonNull(images, "images");
        for (String seg : segments) {
            Objects.requireNonNull(seg, "a text segment is null");
        }
        if (segments.size() != images.size() + 1) {
            throw new IllegalArgumentException("need one text segment more than images, got " + segments.size() + " segments and "
                    + images.size() + " images");
        }
    }

    private Answer askWith(IntFunction<List<PromptPiece>> turnAt, List<RgbImage> images, AskOptions ask, TextListener listener) {
        Objects.requireNonNull(ask, "ask");
        requireVisionFor(images);
        enter();
        try {
            cancelPending = false;
            checkFitsBeforeEncoding(turnAt, images, 1);
            double visionMs = 0;
            int tiles = 0;
            List<ImageEmbedding> embeds = new ArrayList<>();
            for (RgbImage img : images) {
                if (cancelPending) { // cancelled while the pictures were encoded: nothing reaches the context
                    return cancelledBeforeGeneration(tiles, visionMs);
                }
                ImageEmbedding e = model.embed(img, visionEncoder());
                visionMs += e.encodeMillis();
                tiles += e.tiles();
                embeds.add(e);
            }
            if (cancelPending) { // cancelled during the last picture
                return cancelledBeforeGeneration(tiles, visionMs);
            }
            return answer(turnAt, embeds, ask, listener, visionMs, tiles);
        } finally {
            exit();
        }
    }

    /**
     * Adds a complete turn whose answer is already known, without generating: the user message with
     * its images (the k-th {@code <image>} marker shows the k-th image; missing markers are put in
     * front, as in {@link #ask(String, List, AskOptions, TextListener)}) and {@code assistantAnswer}
     * as the model's reply. The turn is computed into the cache now, so a following {@code ask}
     * only computes its own message. This replays a dialogue that a client remembers (e.g. the
     * OpenAI chat API sends the whole history with every request).
     *
     * <p>The answer text is tokenized with the ordinary (non-special) vocabulary, so its ids may
     * differ from the ids the model generated for the same text; the text is what counts.
     *
     * @throws ConversationException if the turn does not fit in the context (with
     *     {@link ContextPolicy#STOP}, or when it is too long even alone); the conversation is
     *     unchanged
     */
    public synchronized void addTurn(String user, List<RgbImage> images, String assistantAnswer) {
        Objects.requireNonNull(assistantAnswer, "assistantAnswer");
        addTurn(user, images, model.tokenizer().encodeOrdinary(assistantAnswer));
    }

    /**
     * As {@link #addTurn(String, List, String)} with the answer given as token ids (e.g. the ids the
     * model generated earlier), which keeps the cache exactly as it was when the answer was made.
     *
     * @throws IllegalArgumentException if an id is outside the vocabulary
     */
    public synchronized void addTurn(String user, List<RgbImage> images, int[] answerTokens) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(images, "images");
        String text = ChatTemplate.withImageMarkers(user, images.size());
        addTurnWith(first -> ChatTemplate.userTurn(text, first, images.size()), images, answerTokens);
    }

    /**
     * {@link #addTurn(String, List, String)} for a message given as text segments with an image
     * between each two, as {@link #askWithImagesBetween}.
     */
    public synchronized void addTurnWithImagesBetween(List<String> segments, List<RgbImage> images, String assistantAnswer) {
        Objects.requireNonNull(assistantAnswer, "assistantAnswer");
        checkSegments(segments, images);
        List<String> copy = List.copyOf(segments);
        addTurnWith(first -> ChatTemplate.userTurnWithImagesBetween(copy, first), images,
                model.tokenizer().encodeOrdinary(assistantAnswer));
    }

    private void addTurnWith(IntFunction<List<PromptPiece>> turnAt, List<RgbImage> images, int[] answerTokens) {
        requireVisionFor(images);
        enter();
        try {
            addTurnEntered(turnAt, images, answerTokens);
        } finally {
            exit();
        }
    }

    private void addTurnEntered(IntFunction<List<PromptPiece>> turnAt, List<RgbImage> images, int[] answerTokens) {
        int vocab = model.tokenizer().vocabSize();
        int[] answerIds = answerTokens.clone();
        for (int id : answerIds) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("answer token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        checkFitsBeforeEncoding(turnAt, images, answerIds.length);
        List<ImageEmbedding> embeds = new ArrayList<>();
        for (RgbImage img : images) {
            embeds.add(model.embed(img, visionEncoder()));
        }
        int first = shown.size();
        List<PromptPiece> pieces = turnAt.apply(first);
        EncodedPrompt turn = encoder.encode(pieces, i -> embeds.get(i - first).rowCount());
        makeRoom(turn, answerIds.length);
        int[] prefixIds = encoder.encode(turnPrefix(), i -> 0).ids();
        ModelInput in = input(prefixIds, turn, embeds, answerIds);
        shown.addAll(embeds);
        try {
            session.append(in, new int[0]);
        } catch (ContextFullException e) {
            shown.subList(first, shown.size()).clear();
            throw new ConversationException("the turn does not fit in the context: " + e.getMessage(), e);
        }
        turns.add(new Turn(turn, answerIds));
    }

    /** What goes before a user turn: the system block at the start, else the end of the last answer. */
    private List<PromptPiece> turnPrefix() {
        List<PromptPiece> prefix = new ArrayList<>();
        if (session.position() == 0) {
            prefix.addAll(ChatTemplate.system(options.systemMessage()));
        } else if (!turns.isEmpty()) {
            prefix.addAll(ChatTemplate.endOfAnswer());
        }
        return prefix;
    }

    private Answer answer(IntFunction<List<PromptPiece>> turnAt, List<ImageEmbedding> images, AskOptions ask, TextListener listener,
            double visionMs, int tiles) {
        int first = shown.size();
        List<PromptPiece> pieces = turnAt.apply(first);
        EncodedPrompt user = encoder.encode(pieces, i -> images.get(i - first).rowCount());
        int dropped = makeRoom(user, 1);
        int[] prefixIds = encoder.encode(turnPrefix(), i -> 0).ids();
        ModelInput input = input(prefixIds, user, images, new int[0]);
        shown.addAll(images);
        int[] stops = ask.ignoreEos() ? new int[0] : model.endOfTurnTokens();
        GenerationOptions gen = new GenerationOptions(ask.maxNewTokens(), stops, ask.sampler());
        StreamingDecoder dec = model.tokenizer().newStreamingDecoder();
        TextListener out = listener == null ? TextListener.NONE : listener;
        GenerationResult r;
        int before = session.position();
        try {
            r = generator.generate(input, gen, id -> {
                String piece = dec.feed(id);
                if (!piece.isEmpty()) {
                    out.onText(piece);
                }
            }, () -> cancelPending);
        } catch (ContextFullException e) {
            shown.subList(first, shown.size()).clear();
            throw new ConversationException("the message does not fit in the context: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            // e.g. the listener failed: take the half-made turn back out of the context, so that
            // the dialogue stays well formed (its earlier turns and the cache agree)
            shown.subList(first, shown.size()).clear();
            try {
                session.truncate(before);
            } catch (RuntimeException ignored) {
                // the state is closed or unusable: the original failure says more
            }
            throw e;
        }
        String tail = dec.flush();
        if (!tail.isEmpty()) {
            out.onText(tail);
        }
        int[] tokens = r.tokens();
        turns.add(new Turn(user, tokens));
        lastAnswer = new Answer(model.tokenizer().decode(tokens), tokens, r.stopReason(), r.promptTokens(),
                r.promptMillis(), r.generateMillis(), tiles, visionMs, dropped);
        return lastAnswer;
    }

    /** The ids of {@code prefix}, {@code user} then {@code suffix}, with the image rows at their spans. */
    private ModelInput input(int[] prefix, EncodedPrompt user, List<ImageEmbedding> images, int[] suffix) {
        int[] ids = user.ids();
        int n = prefix.length + ids.length + suffix.length;
        int[] all = new int[n];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(ids, 0, all, prefix.length, ids.length);
        System.arraycopy(suffix, 0, all, prefix.length + ids.length, suffix.length);
        if (user.images().isEmpty()) {
            return ModelInput.tokens(all);
        }
        int width = model.languageModel().embeddingWidth();
        int rowCount = 0;
        for (EncodedPrompt.ImageSpan s : user.images()) {
            rowCount += s.rows();
        }
        float[] rows = new float[rowCount * width];
        int r = 0;
        for (EncodedPrompt.ImageSpan s : user.images()) {
            ImageEmbedding e = imageAt(s.imageIndex(), images);
            System.arraycopy(e.rows(), 0, rows, r * width, s.rows() * width);
            for (int i = 0; i < s.rows(); i++) {
                all[prefix.length + s.start() + i] = ModelInput.EMBEDDING;
            }
            r += s.rows();
        }
        return ModelInput.mixed(all, rows);
    }

    private ImageEmbedding imageAt(int index, List<ImageEmbedding> pending) {
        return index < shown.size() ? shown.get(index) : pending.get(index - shown.size());
    }

    /**
     * Makes room for {@code user} plus {@code extra} positions (at least one generated token, or a
     * known answer) according to the policy; returns the number of turns dropped.
     */
    private int makeRoom(EncodedPrompt user, int extra) {
        if (!mustMakeRoom(user.length(), extra)) {
            return 0;
        }
        // Drop oldest turns, text-only ones first, until the rest fits.
        List<Turn> kept = new ArrayList<>(turns);
        int dropped = 0;
        while (!kept.isEmpty() && historyLength(kept, systemLen, endLen) + endLen + user.length() + extra > session.capacity()) {
            int victim = -1;
            for (int i = 0; i < kept.size(); i++) {
                if (!kept.get(i).hasImage()) {
                    victim = i;
                    break;
                }
            }
            kept.remove(victim >= 0 ? victim : 0);
            dropped++;
        }
        rebuild(kept);
        return dropped;
    }

    /**
     * Whether a user turn of {@code userLength} positions plus {@code extra} (at least one generated
     * token, or a known answer) needs older turns dropped; throws the conversation's error when it
     * cannot fit at all (longer than the context even alone, or the context full under
     * {@link ContextPolicy#STOP}). Changes nothing.
     */
    private boolean mustMakeRoom(int userLength, int extra) {
        int need = userLength + extra + (session.position() == 0 ? systemLen : (turns.isEmpty() ? 0 : endLen));
        if (session.remaining() >= need) {
            return false;
        }
        int alone = systemLen + userLength + extra;
        if (systemLen + extra >= session.capacity()) {
            throw new ConversationException("the system prompt alone takes " + systemLen + " positions, which leaves no room in the"
                    + " context of " + session.capacity() + " (use a shorter system prompt or a larger context)");
        }
        if (alone > session.capacity()) {
            throw new ConversationException("the message needs " + (alone - extra) + " positions with the system prompt and "
                    + extra + " more for the " + (extra == 1 ? "first token of the answer" : "answer") + ", " + alone
                    + " in all, but the context holds " + session.capacity()
                    + " (use a larger context or a shorter message / fewer image tiles)");
        }
        if (options.contextPolicy() == ContextPolicy.STOP) {
            throw new ConversationException("the context is full: the message needs " + need + " more positions, "
                    + session.remaining() + " are left (clear the dialogue or use a larger context)");
        }
        return true;
    }

    /**
     * {@link #mustMakeRoom}'s errors before the images are encoded (their rows follow from their
     * sizes), so that a message that cannot fit is refused at once, not after seconds or minutes
     * of vision encoding.
     */
    private void checkFitsBeforeEncoding(IntFunction<List<PromptPiece>> turnAt, List<RgbImage> images, int extra) {
        if (images.isEmpty() || !model.hasVision()) {
            return; // nothing slow to skip (and without a vision model embed() gives its own error)
        }
        int[] rows = new int[images.size()];
        for (int k = 0; k < rows.length; k++) {
            rows[k] = model.imageRows(images.get(k));
        }
        int first = shown.size();
        mustMakeRoom(encoder.encode(turnAt.apply(first), i -> rows[i - first]).length(), extra);
    }

    private static int historyLength(List<Turn> ts, int systemLen, int endLen) {
        int n = systemLen;
        for (int i = 0; i < ts.size(); i++) {
            n += (i > 0 ? endLen : 0) + ts.get(i).user().length() + ts.get(i).answer().length;
        }
        return n;
    }

    /** Recomputes the cache from the system prompt and {@code kept} turns. */
    private void rebuild(List<Turn> kept) {
        List<ImageEmbedding> oldShown = new ArrayList<>(shown);
        session.reset();
        turns.clear();
        shown.clear();
        List<PromptPiece> sys = ChatTemplate.system(options.systemMessage());
        int[] ids = encoder.encode(sys, i -> 0).ids();
        List<Integer> all = new ArrayList<>();
        for (int id : ids) {
            all.add(id);
        }
        List<float[]> rowChunks = new ArrayList<>();
        int width = model.languageModel().embeddingWidth();
        int[] end = encoder.encode(ChatTemplate.endOfAnswer(), i -> 0).ids();
        for (int t = 0; t < kept.size(); t++) {
            Turn turn = kept.get(t);
            if (t > 0) {
                for (int id : end) {
                    all.add(id);
                }
            }
            int[] u = turn.user().ids();
            boolean[] isRow = new boolean[u.length];
            List<EncodedPrompt.ImageSpan> newSpans = new ArrayList<>();
            for (EncodedPrompt.ImageSpan s : turn.user().images()) {
                ImageEmbedding e = oldShown.get(s.imageIndex());
                newSpans.add(new EncodedPrompt.ImageSpan(shown.size(), s.start(), s.rows()));
                shown.add(e);
                float[] chunk = new float[s.rows() * width];
                System.arraycopy(e.rows(), 0, chunk, 0, chunk.length);
                rowChunks.add(chunk);
                for (int i = 0; i < s.rows(); i++) {
                    isRow[s.start() + i] = true;
                }
            }
            for (int i = 0; i < u.length; i++) {
                all.add(isRow[i] ? ModelInput.EMBEDDING : u[i]);
            }
            for (int id : turn.answer()) {
                all.add(id);
            }
            turns.add(new Turn(new EncodedPrompt(u, newSpans), turn.answer()));
        }
        int[] allIds = all.stream().mapToInt(Integer::intValue).toArray();
        int total = 0;
        for (float[] c : rowChunks) {
            total += c.length;
        }
        float[] rows = new float[total];
        int o = 0;
        for (float[] c : rowChunks) {
            System.arraycopy(c, 0, rows, o, c.length);
            o += c.length;
        }
        session.append(total == 0 ? ModelInput.tokens(allIds) : ModelInput.mixed(allIds, rows), new int[0]);
    }

    /**
     * Forgets the dialogue. The system prompt and the current picture stay (the picture's encoded
     * rows are kept; it is shown again at the next marker).
     */
    public synchronized void clear() {
        enter();
        try {
            session.reset();
            turns.clear();
            shown.clear();
            currentShown = false;
            lastAnswer = null;
        } finally {
            exit();
        }
    }

    /**
     * Frees the KV cache now (after an answer being generated on another thread has finished).
     * Idempotent; asking afterwards fails with {@link IllegalStateException}.
     */
    @Override
    public synchronized void close() {
        if (busy) {
            throw new IllegalStateException("the conversation is busy with an answer: close it after the answer (or cancel it)");
        }
        session.close();
    }

    /**
     * Stops the answer being generated, from any thread; the partial answer stays in the dialogue.
     * Called while the pictures of a message are being encoded, the message is dropped before it
     * reaches the context (the answer comes back {@link StopReason#CANCELLED} with no tokens); during
     * the prompt's computation, the answer stops before its first token.
     */
    public void cancel() {
        cancelPending = true;
        generator.cancel();
    }

    /** Starts a call that changes the conversation (see {@link #busy}). */
    private void enter() {
        if (busy) {
            throw new IllegalStateException("the conversation is busy with an answer: it cannot be used from inside its own listener");
        }
        model.checkOpen();
        busy = true;
    }

    private void exit() {
        busy = false;
    }

    /** Positions used in the context. */
    public synchronized int position() {
        return session.position();
    }

    /** Context size. */
    public int capacity() {
        return session.capacity();
    }

    /** Number of complete turns remembered. */
    public synchronized int turns() {
        return turns.size();
    }

    /** The last answer, or null. */
    public synchronized Answer lastAnswer() {
        return lastAnswer;
    }

    /** The token ids of the whole dialogue so far ({@code -1} at image rows). */
    public synchronized int[] history() {
        return session.history();
    }

    private InternVitEncoder visionEncoder() {
        if (visionEncoder == null) {
            visionEncoder = model.newEncoder();
        }
        return visionEncoder;
    }
}
