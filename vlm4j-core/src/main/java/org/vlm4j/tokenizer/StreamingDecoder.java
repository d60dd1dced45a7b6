package org.vlm4j.tokenizer;

/**
 * Incremental detokenizer for generated tokens.
 *
 * <p>A token of a byte-level vocabulary may hold only part of a UTF-8 character (an emoji or a CJK
 * character is often split over two or three tokens). {@link #feed(int)} therefore returns only text
 * that is complete: the trailing bytes of an unfinished character are held back until a later token
 * completes them. Bytes that can never become a valid character are emitted as U+FFFD right away.
 * {@link #flush()} ends the stream and turns held-back bytes into U+FFFD. The concatenation of all
 * {@code feed} results and the final {@code flush} equals {@link Tokenizer#decode(int[], boolean)}
 * of the same ids.
 *
 * <p>One instance per generation stream; not thread-safe. Create with
 * {@link Tokenizer#newStreamingDecoder()}.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private byte[] buf = new byte[64];
    private int pending;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Adds one token and returns the text it completes (possibly empty, never null).
     *
     * @throws IllegalArgumentException if {@code id} is not a token id of the vocabulary
     */
    public String feed(int id) {
        if (skipSpecialTokens && tokenizer.isSpecial(id)) {
            tokenizer.tokenBytesUnchecked(id); // still validates the id
            return "";
        }
        byte[] bytes = tokenizer.tokenBytesUnchecked(id);
        int len = pending + bytes.length;
        if (len > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(len, buf.length * 2));
        }
        System.arraycopy(bytes, 0, buf, pending, bytes.length);
        int tail = Utf8.incompleteTail(buf, 0, len);
        String text = Utf8.decodeLossy(buf, 0, len - tail);
        System.arraycopy(buf, len - tail, buf, 0, tail);
        pending = tail;
        return text;
    }

    /** Whether bytes of an unfinished character are being held back. */
    public boolean hasPendingBytes() {
        return pending > 0;
    }

    /**
     * Ends the stream: returns U+FFFD if bytes of an unfinished character were held back (or "" if
     * none), and resets the decoder so it can be reused.
     */
    public String flush() {
        String text = Utf8.decodeLossy(buf, 0, pending);
        pending = 0;
        return text;
    }
}
