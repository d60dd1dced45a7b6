package org.vlm4j.cli.chat;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vlm4j.chat.Answer;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.ConversationException;
import org.vlm4j.chat.ImageEmbedding;
import org.vlm4j.cli.GenerationReport;
import org.vlm4j.vision.ImageDecodeException;

/**
 * The chat's {@code /} commands: {@code /image PATH} switches the picture, {@code /stats} shows the
 * speed of the last answer, the context use and the memory, {@code /help} lists what can be typed.
 * Their output goes to stderr, so that stdout carries answers only.
 */
public final class SlashCommands {
    /** What a user can type; shown by {@code /help} and at the end of {@code vlm4j chat --help}. */
    public static final String HELP = """
            Type a message and press Enter. Also at the prompt:
              <image>...      show the current picture there, e.g. <image>Describe it.
                              (a leading <image> is put on its own line, as in
                              InternVL's chat(); lines without <image> are text only)
              clear, <clear>  forget the dialogue (system message and picture stay)
              exit, <exit>    leave (so do end of input, Ctrl-D, Ctrl-C at the prompt)
              /image PATH     switch the picture (encoded now, shown at next <image>)
              /stats          last answer's speed, context use, memory (RSS)
              /help           this list
            Words are matched ignoring case and surrounding spaces.
            Ctrl-C while an answer is written stops it; the part written stays.""";

    private static final Pattern COMMAND = Pattern.compile("/([A-Za-z]+)(?:\\s+(.*))?", Pattern.DOTALL);

    private final Conversation conversation;
    private final ChatIO io;
    private Answer last;

    public SlashCommands(Conversation conversation, ChatIO io) {
        this.conversation = conversation;
        this.io = io;
    }

    /** Whether {@code line} (stripped) is a command: {@code /} and a word, then spaces and arguments or nothing. */
    public static boolean isCommand(String line) {
        return COMMAND.matcher(line).matches();
    }

    /** Records the last answer for {@code /stats}. */
    public void answered(Answer a) {
        last = a;
    }

    /** Runs the command {@code line} (for which {@link #isCommand} is true). */
    public void run(String line) {
        Matcher m = COMMAND.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a command: " + line);
        }
        String name = m.group(1).toLowerCase(Locale.ROOT);
        String arg = m.group(2) == null ? "" : m.group(2).strip();
        switch (name) {
            case "help" -> io.err().println(HELP);
            case "image" -> image(arg);
            case "stats" -> stats();
            default -> io.err().println("unknown command /" + m.group(1) + " (type /help for the list)");
        }
        io.err().flush();
    }

    private void image(String arg) {
        if (!conversation.model().hasVision()) {
            io.err().println("this chat has no vision model: start it with --mmproj VISION.gguf to look at pictures");
            return;
        }
        if (arg.isEmpty()) {
            io.err().println(conversation.hasImage() ? "current picture: " + conversation.imageName() + " (use /image PATH to switch)"
                    : "no picture yet: use /image PATH");
            return;
        }
        Path file;
        try {
            file = path(arg);
        } catch (InvalidPathException e) {
            io.err().println("not a valid path: " + arg);
            return;
        }
        ImageEmbedding e;
        try {
            e = conversation.switchImage(file); // the current picture stays unless the new one is read and encoded
        } catch (ImageDecodeException | ConversationException ex) {
            io.err().println("cannot use that picture: " + ex.getMessage()
                    + (conversation.hasImage() ? " (" + conversation.imageName() + " stays)" : ""));
            return;
        }
        io.err().println("image: " + StartupInfo.imageLine(conversation.imageName(), e) + "; shown at the next <image>");
    }

    /** A path as typed: surrounding quotes removed, a leading {@code ~/} meaning the home folder. */
    static Path path(String arg) {
        String s = arg;
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.equals("~") || s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        return Path.of(s);
    }

    private void stats() {
        if (last == null) {
            io.err().println("last answer: none yet");
        } else {
            GenerationReport r = GenerationReport.of(last);
            io.err().printf(Locale.ROOT, "last answer: %d prompt tokens at %.1f tok/s, %d tokens generated at %.1f tok/s (stop: %s)%s%n",
                    r.promptN(), GenerationReport.perSecond(r.promptN(), r.promptMs()), last.generatedTokens(),
                    GenerationReport.perSecond(last.generatedTokens(), r.predictedMs()), GenerationReport.name(last.stopReason()),
                    last.imageTiles() > 0 ? String.format(Locale.ROOT, "; image: %d tile%s encoded in %.0f ms", last.imageTiles(),
                            last.imageTiles() == 1 ? "" : "s", last.visionMillis()) : "");
        }
        io.err().printf(Locale.ROOT, "dialogue: %d of %d positions used, %d turn%s%s%n", conversation.position(), conversation.capacity(),
                conversation.turns(), conversation.turns() == 1 ? "" : "s",
                conversation.hasImage() ? "; picture: " + conversation.imageName() : "");
        io.err().println("memory: " + ProcessMemory.describe());
    }
}
