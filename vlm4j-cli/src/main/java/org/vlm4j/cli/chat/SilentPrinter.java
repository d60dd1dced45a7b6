package org.vlm4j.cli.chat;

import java.io.PrintWriter;
import org.vlm4j.chat.Answer;

/** {@code --silent}: prints each answer only when it is complete (after the label when labels are on). */
public final class SilentPrinter implements AnswerPrinter {
    private final PrintWriter out;
    private final boolean label;

    public SilentPrinter(PrintWriter out, boolean label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void begin() {
        // nothing until the answer is complete
    }

    @Override
    public void piece(String text) {
        // collected by the conversation; printed by end()
    }

    @Override
    public void end(Answer answer) {
        out.println((label ? "Answer: " : "") + answer.text());
        out.flush();
    }

    @Override
    public void refused(String message) {
        // the reason goes to stderr; nothing on stdout
    }
}
