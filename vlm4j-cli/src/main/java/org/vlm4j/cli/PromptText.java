package org.vlm4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vlm4j.chat.ChatTemplate;

/** How the front ends read and shape the text a user gives. */
public final class PromptText {
    private PromptText() {}

    /**
     * Puts a leading {@code <image>} marker on its own line, as InternVL's {@code chat()} does
     * ({@code "<image>\n" + question}): a user of the original app types
     * {@code <image>Describe the image.}, and the model was trained on the form with the newline.
     * Markers elsewhere, and text without a leading marker, are left as they are.
     */
    public static String imageOnOwnLine(String text) {
        String marker = ChatTemplate.IMAGE_MARKER;
        String s = text.stripLeading();
        if (!s.startsWith(marker)) {
            return text;
        }
        String rest = s.substring(marker.length());
        if (rest.startsWith("\n")) {
            return s;
        }
        return marker + "\n" + rest.stripLeading();
    }

    /**
     * The whole file as UTF-8, verbatim (a trailing newline stays part of the text).
     *
     * @throws IOException if it cannot be read or is not valid UTF-8 (the message names the file)
     */
    public static String readUtf8(Path file) throws IOException {
        byte[] bytes = readBounded(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8 text", e);
        }
    }

    /** Text files larger than this are refused (a prompt this long would not fit any context anyway). */
    static final int MAX_TEXT_BYTES = 256 << 20;

    /**
     * The bytes of a text file: a directory is named as such, and a device or pipe (which has no
     * size, e.g. /dev/zero) is read up to {@link #MAX_TEXT_BYTES} instead of forever.
     */
    static byte[] readBounded(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not a text file");
        }
        if (Files.isRegularFile(file) && Files.size(file) <= MAX_TEXT_BYTES) {
            return Files.readAllBytes(file);
        }
        byte[] data;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            data = in.readNBytes(MAX_TEXT_BYTES + 1);
        }
        if (data.length > MAX_TEXT_BYTES) {
            throw new IOException(file + ": more than " + (MAX_TEXT_BYTES >> 20) + " MiB of text");
        }
        return data;
    }
}
