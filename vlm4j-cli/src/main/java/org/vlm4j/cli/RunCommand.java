package org.vlm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.vlm4j.chat.Answer;
import org.vlm4j.chat.AskOptions;
import org.vlm4j.chat.ChatTemplate;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.ConversationOptions;
import org.vlm4j.chat.ContextPolicy;
import org.vlm4j.chat.GenerationOptions;
import org.vlm4j.chat.GenerationResult;
import org.vlm4j.chat.Generator;
import org.vlm4j.chat.Session;
import org.vlm4j.chat.TextListener;
import org.vlm4j.chat.VisionLanguageModel;
import org.vlm4j.model.ContextFullException;
import org.vlm4j.model.ModelInput;
import org.vlm4j.tokenizer.StreamingDecoder;
import org.vlm4j.vision.RgbImage;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vlm4j run}: one prompt, one answer, then exit, for scripts and comparisons with other
 * runtimes. The prompt becomes the user turn of InternVL's chat template (images shown as InternVL's
 * {@code chat()} does), or with {@code --raw} is tokenized as it is, special tokens included. The
 * answer streams to stdout; timings go to stderr; {@code --json} prints one JSON object instead.
 */
@Command(name = "run", sortOptions = false,
        description = {"Answer one prompt (optionally about images) and exit.",
            "The answer streams to stdout, timings go to stderr; --json prints one JSON object instead."},
        footer = {"", "JSON fields: text, tokens, prompt_tokens (the prompt's ids; -1 marks an image-embedding row, as in "
            + "llama.cpp-style dumps), stop_reason (eos|length|context|cancelled), timings {prompt_n, prompt_ms, predicted_n, "
            + "predicted_ms}; with images also image_tiles and vision_ms.",
            "Example: vlm4j run -m text.gguf --mmproj vision.gguf --image cat.jpg -p \"What is in the picture?\""})
public final class RunCommand implements Callable<Integer> {
    /** Default answer length of {@code run}. */
    public static final int DEFAULT_NEW_TOKENS = GenerationOptions.DEFAULT_MAX_NEW_TOKENS;
    /** Default context of {@code run} and {@code chat}. */
    public static final int DEFAULT_CONTEXT = 4096;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    static final class PromptSource {
        @Option(names = {"-p", "--prompt"}, paramLabel = "PROMPT", required = true, order = 3,
                description = "The prompt. Without --raw it is the user's message; a leading <image> goes on its own line.")
        String text;

        @Option(names = {"-f", "--file"}, paramLabel = "PROMPT_FILE", required = true, order = 4,
                description = "Read the prompt from this file (UTF-8, verbatim: a trailing newline is part of it).")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1", order = 3)
    PromptSource prompt;

    @Option(names = {"-i", "--image"}, paramLabel = "PATH", order = 5,
            description = "An image to show the model (repeatable). The k-th <image> in the prompt shows the k-th image;"
                    + " images without a marker are put in front of the prompt. Needs --mmproj.")
    List<Path> images = new ArrayList<>();

    @Option(names = {"-n", "--new-tokens"}, paramLabel = "N", order = 10,
            description = "Generate at most N tokens. Default: ${DEFAULT-VALUE}.")
    int maxNewTokens = DEFAULT_NEW_TOKENS;

    @Option(names = {"-c", "--context"}, paramLabel = "CTX", order = 11,
            description = "Context size in positions (prompt, image rows and answer must fit). Default: ${DEFAULT-VALUE}.")
    int context = DEFAULT_CONTEXT;

    @Option(names = "--system", paramLabel = "TEXT", order = 12,
            description = "System message. Default: InternVL's own (Chinese) system message.")
    String system;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--ignore-eos", order = 120, description = "Keep generating past the end-of-turn token until -n tokens.")
    boolean ignoreEos;

    @Option(names = "--raw", order = 121,
            description = "Use the prompt as it is, with special tokens such as <|im_start|> parsed, and no chat template (text only).")
    boolean raw;

    @Option(names = "--json", order = 122, description = "Print only one JSON object on stdout (see below); nothing on stderr.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, order = 123, description = "Do not print timings on stderr.")
    boolean quiet;

    /** What a run produced, with the prompt ids for the JSON output. */
    record Outcome(GenerationReport report, int[] promptIds) {}

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        checkArguments(cl);
        AskOptions ask = new AskOptions(maxNewTokens, sampling.toConfig(cl), ignoreEos);
        model.loadOptions(cl);
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        String text = prompt.file != null ? PromptText.readUtf8(prompt.file) : prompt.text;
        int markers = ChatTemplate.countImageMarkers(text);
        if (!raw && markers > images.size()) {
            throw new ParameterException(cl, "the prompt has " + markers + " <image> marker" + (markers == 1 ? "" : "s")
                    + " but " + (images.isEmpty() ? "no" : "only " + images.size()) + " --image");
        }
        if (!json && !quiet) {
            sampling.warnings().forEach(err::println);
        }
        try (VisionLanguageModel m = model.load(cl)) {
            List<RgbImage> pictures = new ArrayList<>();
            for (Path p : images) {
                pictures.add(m.decodeImage(p));
            }
            TextListener stream = json ? TextListener.NONE : piece -> {
                out.print(piece);
                out.flush();
            };
            Outcome o = raw ? generateRaw(m, text, ask, stream) : answer(m, text, pictures, ask, stream);
            if (json) {
                out.println(GenerationReport.toJson(o.report().json(o.promptIds())));
            } else {
                out.println();
                out.flush();
                if (!quiet) {
                    err.println(o.report().timings());
                }
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private void checkArguments(CommandLine cl) {
        // without -m the default model comes from the cache (--yes / --offline), as in chat
        if (raw && !images.isEmpty()) {
            throw new ParameterException(cl, "--raw takes no --image: raw prompts are text only (drop --raw to show images)");
        }
        if (raw && system != null) {
            throw new ParameterException(cl, "--raw uses no chat template, so --system has no effect; put the system block in the prompt");
        }
        // a folder or a pulled repo id brings its own mmproj; only a lone text file needs --mmproj
        if (!images.isEmpty() && model.mmproj() == null && model.model() != null && java.nio.file.Files.isRegularFile(model.model())) {
            throw new ParameterException(cl, "--image needs the vision model: add --mmproj VISION.gguf");
        }
        if (maxNewTokens < 0) {
            throw new ParameterException(cl, "--new-tokens must be >= 0, got " + maxNewTokens);
        }
        if (context < 1) {
            throw new ParameterException(cl, "--context must be positive, got " + context);
        }
    }

    /** The prompt as the user turn of the chat template, images as InternVL's chat() shows them. */
    private Outcome answer(VisionLanguageModel m, String text, List<RgbImage> pictures, AskOptions ask, TextListener stream) {
        ConversationOptions co = ConversationOptions.DEFAULTS.withContextSize(context).withAsk(ask)
                .withContextPolicy(ContextPolicy.STOP);
        if (system != null) {
            co = co.withSystemMessage(system);
        }
        Conversation c = m.newConversation(co);
        Answer a = c.ask(PromptText.imageOnOwnLine(text), pictures, ask, stream);
        int[] promptIds = Arrays.copyOf(c.history(), a.promptTokens());
        return new Outcome(GenerationReport.of(a), promptIds);
    }

    /** The prompt tokenized as it is (special tokens parsed), generated without any template. */
    private Outcome generateRaw(VisionLanguageModel m, String text, AskOptions ask, TextListener stream) {
        int[] ids = m.tokenizer().encode(text);
        if (ids.length == 0) {
            throw new CliException("the prompt is empty: a raw prompt needs at least one token");
        }
        int ctx = Math.min(context, m.languageModel().trainedContextLength());
        if (ids.length >= ctx) {
            throw new CliException("the prompt has " + ids.length + " tokens but the context holds " + ctx
                    + " positions (leave room for the answer: use a larger --context or a shorter prompt)");
        }
        Session session = new Session(m.languageModel(), ctx, m.pool());
        Generator generator = new Generator(session);
        int[] stops = ask.ignoreEos() ? new int[0] : m.endOfTurnTokens();
        StreamingDecoder dec = m.tokenizer().newStreamingDecoder();
        GenerationResult r;
        try {
            r = generator.generate(ModelInput.tokens(ids), new GenerationOptions(ask.maxNewTokens(), stops, ask.sampler()), id -> {
                String piece = dec.feed(id);
                if (!piece.isEmpty()) {
                    stream.onText(piece);
                }
            });
        } catch (ContextFullException e) {
            throw new CliException(e.getMessage(), e);
        }
        String tail = dec.flush();
        if (!tail.isEmpty()) {
            stream.onText(tail);
        }
        return new Outcome(GenerationReport.of(r, m.tokenizer().decode(r.tokens())), ids);
    }
}
