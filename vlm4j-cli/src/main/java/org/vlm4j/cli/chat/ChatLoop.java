package org.vlm4j.cli.chat;

import java.io.IOException;
import java.util.Locale;
import org.vlm4j.chat.Answer;
import org.vlm4j.chat.ChatTemplate;
import org.vlm4j.chat.ContextPolicy;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.ConversationException;
import org.vlm4j.cli.CliErrors;
import org.vlm4j.cli.PromptText;

/**
 * The chat's read-answer loop, the original app's REPL with its bugs fixed: a line with
 * {@code <image>} shows the current picture (encoded once), {@code clear}/{@code <clear>} forgets
 * the dialogue, {@code exit}/{@code <exit>} or end of input leaves, empty lines are ignored, and no
 * input line can end the program: every failure is reported and the loop goes on.
 *
 * <p>With labels on (a terminal, or {@code --prompts}) the transcript looks like the original's:
 * a blank line, {@code User: }, the message, {@code Answer: } and the answer.
 */
public final class ChatLoop {
    /** The prompt of the original app. */
    public static final String USER_PROMPT = "User: ";

    private final Conversation conversation;
    private final ChatIO io;
    private final AnswerPrinter printer;
    private final boolean labels;
    private final SlashCommands commands;

    /**
     * @param labels show {@code User: } prompts (and the printer its {@code Answer: } labels)
     */
    public ChatLoop(Conversation conversation, ChatIO io, AnswerPrinter printer, boolean labels) {
        this.conversation = conversation;
        this.io = io;
        this.printer = printer;
        this.labels = labels;
        this.commands = new SlashCommands(conversation, io);
    }

    /** Reads and answers lines until the user leaves; returns the exit status (0). */
    public int run() throws IOException {
        while (true) {
            if (labels) {
                io.out().println();
            }
            io.out().flush();
            io.err().flush();
            String line = io.readLine(labels ? USER_PROMPT : "");
            if (line == null) {
                if (labels) {
                    io.out().println();
                }
                io.out().flush();
                return 0;
            }
            try {
                if (!handle(line)) {
                    return 0;
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                note("error: " + CliErrors.describe(e));
            }
        }
    }

    /** Handles one input line; returns false when the user leaves. */
    boolean handle(String line) {
        String cmd = line.strip();
        switch (cmd.toLowerCase(Locale.ROOT)) {
            case "" -> {
                return true;
            }
            case "exit", "<exit>", "/exit", "/quit" -> {
                return false;
            }
            case "clear", "<clear>", "/clear" -> {
                conversation.clear();
                note("(dialogue cleared; the system message and the picture stay)");
                return true;
            }
            default -> { }
        }
        if (SlashCommands.isCommand(cmd)) {
            commands.run(cmd);
        } else {
            ask(line);
        }
        return true;
    }

    private void ask(String line) {
        String text = PromptText.imageOnOwnLine(line);
        if (ChatTemplate.countImageMarkers(text) > 0 && !conversation.hasImage()) {
            String why = conversation.model().hasVision() ? "no picture is set: load one with /image PATH"
                    : "this chat has no vision model: start it with --mmproj VISION.gguf --image PATH to show pictures";
            printer.refused(why);
            note(why);
            return;
        }
        printer.begin();
        Answer a;
        try (ChatIO.Registration r = io.onInterrupt(conversation::cancel)) {
            a = conversation.ask(text, printer::piece);
        } catch (ConversationException e) {
            printer.refused(e.getMessage());
            note("not answered: " + e.getMessage() + " (the dialogue is unchanged)");
            return;
        } catch (RuntimeException e) {
            printer.refused(CliErrors.describe(e));
            throw e;
        }
        printer.end(a);
        commands.answered(a);
        afterAnswer(a);
    }

    private void afterAnswer(Answer a) {
        if (a.droppedTurns() > 0) {
            note("(context full: forgot the " + (a.droppedTurns() == 1 ? "oldest turn" : a.droppedTurns() + " oldest turns")
                    + " to make room)");
        }
        switch (a.stopReason()) {
            case CANCELLED -> note("(stopped)");
            case LENGTH -> note("(answer cut at " + a.generatedTokens() + " tokens, the NewTokens limit)");
            case CONTEXT -> note("(context full: the answer was cut at " + conversation.capacity() + " positions; "
                    + (conversation.options().contextPolicy() == ContextPolicy.STOP
                            ? "type clear to start over)" : "the next message will forget the oldest turns)"));
            default -> { }
        }
    }

    private void note(String s) {
        io.out().flush();
        io.err().println(s);
        io.err().flush();
    }
}
