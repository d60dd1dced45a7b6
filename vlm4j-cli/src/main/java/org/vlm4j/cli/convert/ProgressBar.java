package org.vlm4j.cli.convert;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on stderr (bytes, speed, ETA), redrawn at most ten times a second. */
public final class ProgressBar {
    private final PrintWriter err;
    private final boolean quiet;
    private String current;
    private long start;
    private long lastDraw;

    public ProgressBar(PrintWriter err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    public void update(String label, long done, long total) {
        if (quiet) {
            return;
        }
        long now = System.nanoTime();
        if (!label.equals(current)) {
            if (current != null) {
                err.println();
            }
            current = label;
            start = now;
            lastDraw = 0;
        }
        boolean complete = total > 0 && done >= total;
        if (!complete && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        double secs = Math.max(1e-3, (now - start) / 1e9);
        double speed = done / secs;
        StringBuilder sb = new StringBuilder("\r").append(label).append(' ');
        if (total > 0) {
            int w = 24;
            int filled = (int) Math.min(w, w * done / total);
            sb.append('[').append("#".repeat(filled)).append(" ".repeat(w - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3d%% ", 100 * done / total));
        }
        sb.append(mib(done)).append(total > 0 ? " / " + mib(total) : "")
                .append(String.format(Locale.ROOT, "  %.1f MiB/s", speed / 1048576.0));
        if (total > 0 && !complete && speed > 0) {
            sb.append(String.format(Locale.ROOT, "  ETA %ds", (long) ((total - done) / speed)));
        }
        err.print(sb);
        err.flush();
    }

    public void end() {
        if (!quiet && current != null) {
            err.println();
            err.flush();
        }
        current = null;
    }

    private static String mib(long b) {
        return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    }
}
