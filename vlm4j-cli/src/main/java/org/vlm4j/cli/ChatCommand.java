package org.vlm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vlm4j.chat.AskOptions;
import org.vlm4j.chat.BackgroundWarmUp;
import org.vlm4j.chat.ContextPolicy;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.ConversationOptions;
import org.vlm4j.chat.ImageEmbedding;
import org.vlm4j.chat.SamplerConfig;
import org.vlm4j.chat.VisionLanguageModel;
import org.vlm4j.cli.chat.AnswerPrinter;
import org.vlm4j.cli.chat.ChatIO;
import org.vlm4j.cli.chat.ChatLoop;
import org.vlm4j.cli.chat.JsonLinesPrinter;
import org.vlm4j.cli.chat.PipedIO;
import org.vlm4j.cli.chat.SilentPrinter;
import org.vlm4j.cli.chat.SlashCommands;
import org.vlm4j.cli.chat.StartupInfo;
import org.vlm4j.cli.chat.StopOnInput;
import org.vlm4j.cli.chat.StreamingPrinter;
import org.vlm4j.cli.chat.TerminalIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code vlm4j chat}: the original app's interactive chat about a picture. It loads the models,
 * encodes the picture once at start, then answers line after line, keeping the dialogue in the KV
 * cache. Also reached with the original's argument form
 * {@code vlm4j IMAGE VISION_MODEL LLM_MODEL [NewTokens] [ContextLength]}.
 *
 * <p>On a terminal it offers line editing and history (JLine); otherwise it reads plain lines from
 * stdin, so that scripts and tests can drive it, and shows the {@code User: }/{@code Answer: }
 * labels only with {@code --prompts}.
 */
@Command(name = ChatCommand.NAME, sortOptions = false,
        description = {"Chat about a picture, as the original app does: the picture is encoded once at start, each line "
            + "you type is answered, and the dialogue is remembered until you clear it.",
            "A line shows the picture only where it contains <image>. Also: vlm4j IMAGE VISION_MODEL LLM_MODEL [NewTokens] [ContextLength]."},
        footer = {"", SlashCommands.HELP, "",
            "Output: answers go to stdout, everything else (model info, notes, /stats) to stderr. On a terminal you get line "
            + "editing and a history kept in $VLM4J_HOME/chat_history or ~/.cache/vlm4j/chat_history. With input from a pipe "
            + "or file, lines are read as they come and only answers are printed (one per line or, with --json-lines, one JSON "
            + "object per question: text, tokens, stop_reason, timings, context_used; {\"error\": ...} when a question is "
            + "refused). --prompts adds the User:/Answer: labels.",
            "Exit status: 0 when you leave (exit, end of input, Ctrl-C at the prompt); 1 when a model or the first picture "
            + "cannot be loaded; 2 for bad arguments.",
            "Example: vlm4j chat -m text.gguf --mmproj vision.gguf -i moon.jpg"})
public final class ChatCommand implements Callable<Integer> {
    public static final String NAME = "chat";
    /** The original app's default answer length. */
    public static final int DEFAULT_NEW_TOKENS = 2048;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0..4", arity = "0..5", paramLabel = "[IMAGE VISION_MODEL LLM_MODEL [NewTokens [ContextLength]]]", hideParamSyntax = true,
            description = "The original app's argument form, instead of -i, --mmproj, -m, -n, -c.")
    List<String> positional = new ArrayList<>();

    @Option(names = {"-i", "--image"}, paramLabel = "PATH", order = 0,
            description = "The picture to talk about, encoded at start (switch later with /image). Needs --mmproj.")
    Path image;

    @Mixin
    ModelOptions model;

    @Option(names = {"-n", "--new-tokens"}, paramLabel = "N", order = 10,
            description = "NewTokens: each answer has at most N tokens. Default: " + DEFAULT_NEW_TOKENS + ".")
    Integer newTokens;

    @Option(names = {"-c", "--context"}, paramLabel = "CTX", order = 11,
            description = "ContextLength: positions for the whole dialogue (system message, picture rows, all turns). "
                    + "Default: " + RunCommand.DEFAULT_CONTEXT + ".")
    Integer context;

    @Option(names = "--system", paramLabel = "TEXT", order = 12,
            description = "System message. Default: InternVL's own (Chinese) system message.")
    String system;

    @Option(names = "--on-context-full", paramLabel = "POLICY", order = 13, converter = PolicyConverter.class,
            description = "When a message does not fit: drop-oldest (default) forgets the oldest turns and says so; "
                    + "stop refuses the message and keeps the dialogue (type clear to go on).")
    ContextPolicy onContextFull = ContextPolicy.DROP_OLDEST;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--ignore-eos", order = 120,
            description = "Keep generating past the end-of-turn token up to NewTokens (for speed measurements).")
    boolean ignoreEos;

    @Option(names = "--silent", order = 130, description = "Print each answer only when it is complete (no streaming).")
    boolean silent;

    @Option(names = "--json-lines", order = 131,
            description = "Print one JSON object per question on stdout and nothing else (for programs).")
    boolean jsonLines;

    @Option(names = "--no-info", order = 132, description = "Do not print the model/picture summary at start.")
    boolean noInfo;

    /** When {@code chat} compiles the kernels in the background before the first prompt. */
    public enum WarmUpMode { AUTO, ON, OFF }

    @Option(names = "--warm-up", order = 134, paramLabel = "auto|on|off", converter = WarmUpConverter.class,
            description = "Run the model briefly in the background while the first prompt is typed, so that the JIT "
                    + "has compiled it by the first answer (a first picture question ~1.4x faster on a 2-core machine). "
                    + "auto (default): only when a person types at a terminal; on: also for piped "
                    + "input; off: never.")
    WarmUpMode warmUp = WarmUpMode.AUTO;

    /** Accepts auto, on and off in any case. */
    static final class WarmUpConverter implements ITypeConverter<WarmUpMode> {
        @Override
        public WarmUpMode convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "auto" -> WarmUpMode.AUTO;
                case "on" -> WarmUpMode.ON;
                case "off" -> WarmUpMode.OFF;
                default -> throw new TypeConversionException("expected auto, on or off, got '" + value + "'");
            };
        }
    }

    @Option(names = "--prompts", order = 133,
            description = "Show the User:/Answer: labels also when input is not a terminal (they always show on a terminal).")
    boolean prompts;

    /** Accepts {@code drop-oldest} and {@code stop} (any case, {@code _} or {@code -}). */
    static final class PolicyConverter implements ITypeConverter<ContextPolicy> {
        @Override
        public ContextPolicy convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "drop-oldest" -> ContextPolicy.DROP_OLDEST;
                case "stop" -> ContextPolicy.STOP;
                default -> throw new TypeConversionException("expected drop-oldest or stop, got '" + value + "'");
            };
        }
    }

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        applyPositionalForm(cl);
        checkArguments(cl);
        int maxNew = newTokens != null ? newTokens : DEFAULT_NEW_TOKENS;
        int ctx = context != null ? context : RunCommand.DEFAULT_CONTEXT;
        SamplerConfig sampler = sampling.toConfig(cl);
        model.loadOptions(cl);
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        sampling.warnings().forEach(err::println);
        try (VisionLanguageModel m = model.load(cl)) {
            ConversationOptions co = ConversationOptions.DEFAULTS.withContextSize(ctx)
                    .withAsk(new AskOptions(maxNew, sampler, ignoreEos)).withContextPolicy(onContextFull).withAutoImageMarker(false);
            if (system != null) {
                co = co.withSystemMessage(system);
            }
            Conversation c = m.newConversation(co);
            ImageEmbedding picture = null;
            if (image != null) {
                try {
                    picture = c.switchImage(image); // refused before encoding when it cannot fit the context
                } catch (org.vlm4j.chat.ConversationException tooBig) {
                    // the dialogue can still go on in text, or with a smaller picture given by /image
                    err.println("vlm4j: warning: " + tooBig.getMessage() + "; starting without a picture");
                }
            }
            if (!noInfo) {
                StartupInfo.lines(m, c, c.imageName(), picture, maxNew, onContextFull).forEach(err::println);
                err.println("Type /help for commands; exit, Ctrl-D or Ctrl-C at the prompt leaves.");
            }
            err.flush();
            try (ChatIO base = openIO(out, err);
                    BackgroundWarmUp warm = warmUp == WarmUpMode.ON || (warmUp == WarmUpMode.AUTO && base.interactive())
                            ? BackgroundWarmUp.start(m, () -> false) : null) {
                // the first line (or the end of input) stops the warm-up before anything is answered
                ChatIO io = warm == null ? base : new StopOnInput(base, warm::stop);
                boolean labels = !jsonLines && (io.interactive() || prompts);
                AnswerPrinter printer = jsonLines ? new JsonLinesPrinter(io.out(), c::position)
                        : silent ? new SilentPrinter(io.out(), labels) : new StreamingPrinter(io.out(), labels);
                return new ChatLoop(c, io, printer, labels).run();
            }
        }
    }

    /** A terminal session when stdin and stdout are the process's terminal, else plain lines. */
    private ChatIO openIO(PrintWriter out, PrintWriter err) {
        Main main = Main.of(spec);
        if (main.onTerminal()) {
            try {
                return TerminalIO.openSystem(out, err);
            } catch (IOException | RuntimeException e) {
                err.println("vlm4j: no line editing (" + CliErrors.describe(e) + "); reading plain lines");
            }
        }
        return new PipedIO(main.stdin(), out, err);
    }

    /** Fills the files and limits in from {@code IMAGE VISION_MODEL LLM_MODEL [NewTokens] [ContextLength]}. */
    private void applyPositionalForm(CommandLine cl) {
        if (positional.isEmpty()) {
            return;
        }
        if (positional.size() < 3) {
            throw new ParameterException(cl, "the positional form is IMAGE VISION_MODEL LLM_MODEL [NewTokens] [ContextLength]; got "
                    + positional.size() + " argument" + (positional.size() == 1 ? "" : "s") + ": " + String.join(" ", positional));
        }
        if (image != null || model.model != null || model.mmproj != null) {
            throw new ParameterException(cl, "give the files either by position (IMAGE VISION_MODEL LLM_MODEL) or with -i/--mmproj/-m, not both");
        }
        image = Path.of(positional.get(0));
        model.mmproj = Path.of(positional.get(1));
        model.model = Path.of(positional.get(2));
        if (positional.size() > 3) {
            if (newTokens != null) {
                throw new ParameterException(cl, "NewTokens given twice (by position and with -n)");
            }
            newTokens = integer(cl, positional.get(3), "NewTokens");
        }
        if (positional.size() > 4) {
            if (context != null) {
                throw new ParameterException(cl, "ContextLength given twice (by position and with -c)");
            }
            context = integer(cl, positional.get(4), "ContextLength");
        }
    }

    private static int integer(CommandLine cl, String s, String what) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new ParameterException(cl, what + " must be a whole number, got '" + s + "'");
        }
    }

    private void checkArguments(CommandLine cl) {
        // without -m the default model comes from the cache; a folder or repo id brings its mmproj
        if (image != null && model.mmproj == null && model.model != null && java.nio.file.Files.isRegularFile(model.model)) {
            throw new ParameterException(cl, "--image needs the vision model: add --mmproj VISION.gguf");
        }
        if (newTokens != null && newTokens < 1) {
            throw new ParameterException(cl, "NewTokens (-n) must be at least 1, got " + newTokens);
        }
        if (context != null && context < 1) {
            throw new ParameterException(cl, "ContextLength (-c) must be positive, got " + context);
        }
        if (silent && jsonLines) {
            throw new ParameterException(cl, "--silent and --json-lines exclude each other (--json-lines never streams)");
        }
    }
}
