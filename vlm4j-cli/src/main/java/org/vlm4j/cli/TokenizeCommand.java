package org.vlm4j.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vlm4j tokenize -m MODEL [--file PATH | TEXT] [--pieces]}: the token ids of a text, as one
 * JSON array on one line. Special tokens written in the text ({@code <|im_start|>}) are parsed as
 * tokens, as the Hugging Face tokenizer does.
 */
@Command(name = "tokenize", description = {"Print the token ids of a text as a JSON array.",
    "Special tokens written in the text (e.g. <|im_end|>) are parsed as special tokens."})
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "A text GGUF with an embedded tokenizer, a tokenizer.json(.gz), or a folder holding one.")
    Path model;

    static final class Input {
        @Option(names = {"-f", "--file"}, paramLabel = "PATH", description = "Read the text from this file (UTF-8, verbatim).")
        Path file;

        @Parameters(index = "0", paramLabel = "TEXT", description = "The text to tokenize.")
        String text;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--pieces", description = "Print [id, \"piece\"] pairs (the decoded text of each token) instead of ids.")
    boolean pieces;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = load(model);
        String text = input.file != null ? PromptText.readUtf8(input.file) : input.text; // strict UTF-8, errors name the file
        int[] ids = tok.encode(text);
        PrintWriter out = spec.commandLine().getOut();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                sb.append(pieces ? ", " : ",");
            }
            if (pieces) {
                sb.append('[').append(ids[i]).append(", ");
                sb.append(Text.json(tok.decode(new int[] {ids[i]})));
                sb.append(']');
            } else {
                sb.append(ids[i]);
            }
        }
        out.println(sb.append(']'));
        out.flush();
        return 0;
    }

    /** A tokenizer from a GGUF file (its embedded vocabulary) or a Hugging Face tokenizer.json. */
    static Tokenizer load(Path model) throws Exception {
        if (!Files.exists(model)) {
            throw new java.nio.file.NoSuchFileException(model.toString());
        }
        if (Files.isRegularFile(model) && isGguf(model)) {
            try (GgufFile f = GgufFile.open(model)) {
                return Tokenizer.fromGguf(f);
            }
        }
        return Tokenizer.fromHuggingFace(model);
    }

    private static boolean isGguf(Path p) throws java.io.IOException {
        try (var in = Files.newInputStream(p)) {
            byte[] m = in.readNBytes(4);
            return m.length == 4 && m[0] == 'G' && m[1] == 'G' && m[2] == 'U' && m[3] == 'F';
        }
    }
}
