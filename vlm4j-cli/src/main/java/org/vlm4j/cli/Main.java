package org.vlm4j.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.vlm4j.cli.bench.BenchCommand;
import org.vlm4j.cli.synth.SynthCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * Entry point of the {@code vlm4j} command: a picocli command whose subcommands are listed in
 * {@link #COMMANDS}, with one error policy for all of them.
 *
 * <p>Exit status: 0 success; 1 the command failed (missing file, corrupt model, ...), reported as one
 * line {@code vlm4j: error: ...} on stderr; 2 bad usage (unknown option, missing argument), reported
 * with the usage text. Stack traces are printed only with {@code --debug} or {@code VLM4J_DEBUG=1}.
 *
 * <p>The original app's command line, {@code vlm4j IMAGE VISION_MODEL LLM_MODEL [NewTokens]
 * [ContextLength]}, still works: when the first argument is not a command or an option and 3 to 5
 * arguments come before the first option, the line is run as {@code vlm4j chat ...} (see
 * {@link #seedForm}).
 */
@Command(name = "vlm4j", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = VersionInfo.class, synopsisSubcommandLabel = "COMMAND",
        description = "Run small vision-language models (InternVL3.5) in pure Java.")
public final class Main implements Callable<Integer> {

    /**
     * Every subcommand, in the order `vlm4j --help` lists them. To add a command, write a picocli
     * {@code @Command} class and add one line here.
     */
    static final List<Supplier<Object>> COMMANDS = List.of(
            ChatCommand::new,
            RunCommand::new,
            InfoCommand::new,
            TokenizeCommand::new,
            SynthCommand::new,
            org.vlm4j.cli.convert.ConvertCommand::new,
            org.vlm4j.cli.convert.PullCommand::new,
            ServeCommand::new,
            BenchCommand::new);

    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    /** Standard input of this run (commands reach it through {@link #of(CommandSpec)}). */
    private final InputStream stdin;
    /** Whether stdin/stdout are this process's own, so that a terminal may be used. */
    private final boolean systemStreams;

    Main() {
        this(System.in, false);
    }

    private Main(InputStream stdin, boolean systemStreams) {
        this.stdin = stdin;
        this.systemStreams = systemStreams;
    }

    /** The {@code Main} at the root of {@code spec}'s command tree. */
    static Main of(CommandSpec spec) {
        return (Main) spec.root().userObject();
    }

    /** Standard input for commands that read it. */
    InputStream stdin() {
        return stdin;
    }

    /**
     * Whether the process's own stdin and stdout are a terminal (never for injected streams):
     * then the chat uses line editing and history.
     */
    boolean onTerminal() {
        if (!systemStreams) {
            return false;
        }
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces of errors (also: VLM4J_DEBUG=1).")
    boolean debug;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int status = run(System.in, true, out, err, args);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /**
     * Runs the command line {@code args}, writing to {@code out}/{@code err}; returns the exit status.
     * Standard input is empty.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(InputStream.nullInputStream(), out, err, args);
    }

    /** Runs {@code args} reading standard input from {@code in} (never a terminal). */
    public static int run(InputStream in, PrintWriter out, PrintWriter err, String... args) {
        return run(in, false, out, err, args);
    }

    private static int run(InputStream in, boolean systemStreams, PrintWriter out, PrintWriter err, String... args) {
        boolean debug = Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("VLM4J_DEBUG"));
        try {
            CommandLine cl = commandLine(new Main(in, systemStreams));
            args = seedForm(cl, args);
            cl.setOut(out);
            cl.setErr(err);
            cl.setParameterExceptionHandler((ex, a) -> usageError(ex, err, debug));
            cl.setExecutionExceptionHandler((ex, c, parsed) -> failure(ex, err, debug));
            return cl.execute(args);
        } catch (Throwable t) { // errors thrown outside picocli's handlers, e.g. OutOfMemoryError
            return failure(t, err, debug);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The command tree with all subcommands registered. */
    public static CommandLine commandLine() {
        return commandLine(new Main());
    }

    private static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        for (Supplier<Object> c : COMMANDS) {
            cl.addSubcommand(c.get());
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.getCommandSpec().usageMessage().footer("",
                "The original app's form also works: vlm4j IMAGE VISION_MODEL LLM_MODEL [NewTokens] [ContextLength]",
                "(the same as 'vlm4j chat IMAGE VISION_MODEL LLM_MODEL ...').",
                "Run 'vlm4j COMMAND --help' for the options of a command.");
        return cl;
    }

    /**
     * The original app's argument form, {@code IMAGE VISION_MODEL LLM_MODEL [NewTokens]
     * [ContextLength]}, becomes {@code chat IMAGE VISION_MODEL LLM_MODEL ...}: when the first
     * argument is neither a command nor an option and 3 to 5 arguments come before the first
     * option. Anything else is left alone, so that an unknown command stays a usage error.
     */
    static String[] seedForm(CommandLine cl, String[] args) {
        if (args.length == 0 || args[0].startsWith("-") || cl.getSubcommands().containsKey(args[0])) {
            return args;
        }
        int leading = 0;
        while (leading < args.length && !args[leading].startsWith("-")) {
            leading++;
        }
        if (leading < 3 || leading > 5) {
            return args;
        }
        String[] out = new String[args.length + 1];
        out[0] = ChatCommand.NAME;
        System.arraycopy(args, 0, out, 1, args.length);
        return out;
    }

    private static int usageError(ParameterException ex, PrintWriter err, boolean debug) {
        String msg = String.valueOf(ex.getMessage());
        if (msg.startsWith("Error: ")) { // some picocli messages carry their own prefix
            msg = msg.substring(7);
        }
        err.println("vlm4j: error: " + msg);
        if (debug) {
            ex.printStackTrace(err);
        }
        CommandLine cl = ex.getCommandLine();
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            err.println();
        }
        cl.usage(err);
        return EXIT_USAGE;
    }

    private static int failure(Throwable ex, PrintWriter err, boolean debug) {
        err.println("vlm4j: error: " + CliErrors.describe(ex));
        if (debug) {
            ex.printStackTrace(err);
        } else if (CliErrors.isUnexpected(ex)) {
            err.println("vlm4j: (this looks like a bug; rerun with --debug to see the stack trace)");
        }
        err.flush();
        return EXIT_ERROR;
    }
}
