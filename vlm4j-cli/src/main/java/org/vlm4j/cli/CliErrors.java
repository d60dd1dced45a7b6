package org.vlm4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.vlm4j.chat.ConversationException;
import org.vlm4j.gguf.GgufFormatException;

/**
 * Turns any exception a command throws into the one line a user sees after {@code vlm4j: error:}.
 * Expected failures (bad files, I/O, invalid input) keep their message; anything else is reported
 * with its type so it can be recognised as a bug.
 */
public final class CliErrors {
    private CliErrors() {}

    /** One line describing {@code t}, naming the file when there is one. */
    public static String describe(Throwable t) {
        Throwable e = unwrap(t);
        String msg = e.getMessage();
        if (e instanceof NoSuchFileException f) {
            return "file not found: " + f.getFile();
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return "file already exists: " + f.getFile();
        }
        if (e instanceof NotDirectoryException f) {
            return "not a directory: " + f.getFile();
        }
        if (e instanceof FileSystemException f) {
            return (f.getFile() != null ? f.getFile() + ": " : "") + (f.getReason() != null ? f.getReason() : e.getClass().getSimpleName());
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory" + (msg != null ? " (" + msg + ")" : "") + "; give Java more heap, e.g. VLM4J_HEAP=-Xmx4g";
        }
        if (expected(e)) {
            return oneLine(msg != null ? msg : e.getClass().getSimpleName());
        }
        return e.getClass().getName() + (msg != null ? ": " + oneLine(msg) : "");
    }

    /** Whether {@code t} is not one of the failures a user can cause with bad input. */
    public static boolean isUnexpected(Throwable t) {
        Throwable e = unwrap(t);
        return !(expected(e) || e instanceof OutOfMemoryError);
    }

    /** Failures caused by input (files, arguments, messages), shown with their own message. */
    private static boolean expected(Throwable e) {
        return e instanceof GgufFormatException || e instanceof CliException || e instanceof IOException
                || e instanceof IllegalArgumentException || e instanceof ConversationException
                || e instanceof org.vlm4j.hub.HubException || e instanceof org.vlm4j.convert.ConvertException
                || e instanceof org.vlm4j.safetensors.SafetensorsFormatException
                || e instanceof UnsupportedOperationException;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof UncheckedIOException || e instanceof picocli.CommandLine.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static String oneLine(String s) {
        String line = s.strip().replace("\r", "").replace('\n', ' ');
        return line.length() > 2000 ? line.substring(0, 2000) + "..." : line;
    }
}
