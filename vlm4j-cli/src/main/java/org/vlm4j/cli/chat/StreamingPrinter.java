package org.vlm4j.cli.chat;

import java.io.PrintWriter;
import org.vlm4j.chat.Answer;

/**
 * Prints each piece of an answer as soon as it is generated, flushed, after an {@code Answer: }
 * label when labels are on (as the original app does), and a newline at the end.
 */
public final class StreamingPrinter implements AnswerPrinter {
    private final PrintWriter out;
    private final boolean label;

    public StreamingPrinter(PrintWriter out, boolean label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void begin() {
        if (label) {
            out.print("Answer: ");
            out.flush();
        }
    }

    @Override
    public void piece(String text) {
        out.print(text);
        out.flush();
    }

    @Override
    public void end(Answer answer) {
        out.println();
        out.flush();
    }

    @Override
    public void refused(String message) {
        if (label) {
            out.println();
            out.flush();
        }
    }
}
