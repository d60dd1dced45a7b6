package org.vlm4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@link Main#run} in-process and captures exit status, stdout and stderr. */
public record Cli(int status, String out, String err) {

    /** Runs {@code args} with {@code stdin} as standard input (UTF-8). */
    public static Cli withInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(status, out.toString(), err.toString());
    }

    public static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(status, out.toString(), err.toString());
    }

    /** No stack trace or exception class dump in the user-facing output. */
    public boolean hasStackTrace() {
        String all = out + err;
        return all.contains("\tat ") || all.contains("Exception:") || all.contains("Caused by");
    }

    @Override
    public String toString() {
        return "status " + status + "\n--- out\n" + out + "--- err\n" + err;
    }
}
