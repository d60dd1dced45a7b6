package org.vlm4j.cli.chat;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import org.vlm4j.chat.Answer;
import org.vlm4j.cli.GenerationReport;

/**
 * {@code --json-lines}: one JSON object on one line per question, and nothing else on stdout. An
 * answer gives the fields of {@link GenerationReport#json()} plus {@code context_used} (positions
 * of the dialogue after the answer); a question that was not answered gives {@code {"error": ...}},
 * so that a script gets exactly one line per question it sent.
 */
public final class JsonLinesPrinter implements AnswerPrinter {
    private final PrintWriter out;
    private final IntSupplier contextUsed;

    /** Prints to {@code out}; {@code contextUsed} tells the positions in use after an answer. */
    public JsonLinesPrinter(PrintWriter out, IntSupplier contextUsed) {
        this.out = out;
        this.contextUsed = contextUsed;
    }

    @Override
    public void begin() {
        // nothing until the answer is complete
    }

    @Override
    public void piece(String text) {
        // the text is part of the JSON object
    }

    @Override
    public void end(Answer answer) {
        Map<String, Object> m = GenerationReport.of(answer).json();
        m.put("context_used", contextUsed.getAsInt());
        out.println(GenerationReport.toJson(m));
        out.flush();
    }

    @Override
    public void refused(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        out.println(GenerationReport.toJson(m));
        out.flush();
    }
}
