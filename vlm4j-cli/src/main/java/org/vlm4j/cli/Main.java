package org.vlm4j.cli;

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
            InfoCommand::new,
            TokenizeCommand::new,
            SynthCommand::new,
            BenchCommand::new);

    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces of errors (also: VLM4J_DEBUG=1).")
    boolean debug;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int status = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Runs the command line {@code args}, writing to {@code out}/{@code err}; returns the exit status. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        boolean debug = Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("VLM4J_DEBUG"));
        try {
            CommandLine cl = commandLine();
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
        CommandLine cl = new CommandLine(new Main());
        for (Supplier<Object> c : COMMANDS) {
            cl.addSubcommand(c.get());
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.getCommandSpec().usageMessage().footer("", "Run 'vlm4j COMMAND --help' for the options of a command.");
        return cl;
    }

    private static int usageError(ParameterException ex, PrintWriter err, boolean debug) {
        err.println("vlm4j: error: " + ex.getMessage());
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
