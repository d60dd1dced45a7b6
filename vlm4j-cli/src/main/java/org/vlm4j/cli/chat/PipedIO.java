package org.vlm4j.cli.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Plain line-by-line input (UTF-8) for scripts, pipes and tests. When a prompt is shown
 * ({@code --prompts}), the line read is echoed after it so that the output reads like a terminal
 * session. An interrupt keeps its default meaning (the process ends).
 */
public final class PipedIO implements ChatIO {
    private final BufferedReader in;
    private final PrintWriter out;
    private final PrintWriter err;

    public PipedIO(InputStream in, PrintWriter out, PrintWriter err) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.out = out;
        this.err = err;
    }

    @Override
    public String readLine(String prompt) throws IOException {
        if (!prompt.isEmpty()) {
            out.print(prompt);
            out.flush();
        }
        String line = in.readLine();
        if (line != null && !prompt.isEmpty()) {
            out.println(line);
            out.flush();
        }
        return line;
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter err() {
        return err;
    }

    @Override
    public boolean interactive() {
        return false;
    }

    @Override
    public Registration onInterrupt(Runnable action) {
        return () -> { };
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
    }
}
