package org.vlm4j.cli.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vlm4j.cli.Text;
import org.vlm4j.cli.VersionInfo;
import org.vlm4j.gguf.GgmlType;

/**
 * Prints a {@link BenchResult}: a Markdown table in the style of llama-bench (one row per test,
 * mean ± sample standard deviation) followed by memory and platform lines, or one JSON object with
 * the means, every repetition's value and the platform facts.
 */
public final class BenchReport {
    private BenchReport() {}

    private static final String[] HEADERS = {"model", "size", "params", "type", "threads", "test", "t/s", "ms"};
    /** Right-aligned columns (numbers), as llama-bench marks them with {@code ---:}. */
    private static final boolean[] RIGHT = {false, true, true, false, true, true, true, true};

    /** The table and the footer lines. */
    public static void printTable(BenchResult r, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        int threads = r.settings().threads();
        ModelFacts t = r.text();
        if (r.prefill() != null) {
            rows.add(row(t, threads, "pp" + r.settings().promptTokens() + r.settings().depthLabel(), fmt(r.prefill()), ""));
        }
        if (r.decode() != null) {
            rows.add(row(t, threads, "tg" + r.settings().genTokens() + r.settings().depthLabel(), fmt(r.decode()), ""));
        }
        if (r.vision() != null) {
            rows.add(row(r.visionFile(), threads, "tile" + r.tileSize(), "", fmt(r.vision())));
        }
        String loadTest = "load";
        if (r.visionFile() == null) {
            rows.add(row(t, threads, loadTest, "", fmt(r.load())));
        } else {
            ModelFacts v = r.visionFile();
            rows.add(new String[] {t.architecture() + "+" + v.architecture(), mib(t.tensorBytes() + v.tensorBytes()),
                params(t.parameters() + v.parameters()), t.mainType() + "+" + v.mainType(), Integer.toString(threads),
                loadTest, "", fmt(r.load())});
        }
        int[] w = new int[HEADERS.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = HEADERS[i].length();
            for (String[] row : rows) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        out.println(line(HEADERS, w));
        String[] rule = new String[w.length];
        for (int i = 0; i < w.length; i++) {
            rule[i] = "-".repeat(Math.max(1, w[i] - 1)) + (RIGHT[i] ? ":" : "-");
        }
        out.println(line(rule, w));
        for (String[] row : rows) {
            out.println(line(row, w));
        }
        out.println();
        for (String s : footer(r)) {
            out.println(s);
        }
        out.flush();
    }

    private static List<String> footer(BenchResult r) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "peak RSS: %s (VmHWM of the whole run; KV cache of %d positions, %s, %.1f MiB committed)",
                r.peakRssBytes().isPresent() ? String.format(Locale.ROOT, "%.1f MiB", r.peakRssBytes().getAsLong() / 1048576.0)
                        : "not reported by this OS",
                r.contextSize(), r.settings().kvCacheType(), r.kvCommittedBytes() / 1048576.0));
        lines.add(String.format(Locale.ROOT, "load: text %.1f ms, vision %.1f ms, tokenizer and pool %.1f ms (last run)",
                r.loadTextMs(), r.loadVisionMs(), Math.max(0, last(r.load()) - r.loadTextMs() - r.loadVisionMs())));
        lines.add("weights: text " + types(r.text().bytesByType())
                + (r.visionFile() != null ? "; vision " + types(r.visionFile().bytesByType()) : ""));
        if (r.decode() != null) {
            lines.add(String.format(Locale.ROOT,
                    "decode reads %.1f MiB of weights per token: %.1f GB/s at tg%d (compare with the memory read bandwidth)",
                    r.text().decodeBytes() / 1048576.0, weightGbPerSecond(r), r.settings().genTokens()));
        }
        lines.add(String.format(Locale.ROOT, "vector width: %s; %s",
                r.vectorBits() > 0 ? r.vectorBits() + "-bit (FloatVector.SPECIES_PREFERRED)" : "unavailable",
                r.kernels() != null ? r.kernels() : "kernels: (no KernelInfo in this build)"));
        lines.add(String.format(Locale.ROOT, "build: vlm4j %s, Java %s, %s; %d repetitions after 1 warm-up, seed %d",
                VersionInfo.version(), r.jvm(), r.os(), r.settings().repetitions(), r.settings().seed()));
        return lines;
    }

    /** Weight bytes read per second while decoding: mean tg tok/s x {@link ModelFacts#decodeBytes}, in 10^9 B/s. */
    static double weightGbPerSecond(BenchResult r) {
        return r.decode().mean() * r.text().decodeBytes() / 1e9;
    }

    /** One JSON object (pretty-printed, keys stable) with means, per-run values and platform facts. */
    public static String toJson(BenchResult r) {
        BenchSettings s = r.settings();
        StringBuilder sb = new StringBuilder("{\n");
        field(sb, "pp_tok_s", mean(r.prefill()));
        field(sb, "tg_tok_s", mean(r.decode()));
        field(sb, "vision_ms_per_tile", mean(r.vision()));
        field(sb, "load_ms", mean(r.load()));
        field(sb, "peak_rss_mb", r.peakRssBytes().isPresent() ? num(r.peakRssBytes().getAsLong() / 1048576.0) : "null");
        field(sb, "tg_weight_gb_s", r.decode() == null ? "null" : num(weightGbPerSecond(r)));
        field(sb, "decode_weight_bytes", Long.toString(r.text().decodeBytes()));
        field(sb, "pp_tok_s_sd", sd(r.prefill()));
        field(sb, "tg_tok_s_sd", sd(r.decode()));
        field(sb, "vision_ms_per_tile_sd", sd(r.vision()));
        field(sb, "load_ms_sd", sd(r.load()));
        field(sb, "runs", "{\"pp_tok_s\": " + array(r.prefill()) + ", \"tg_tok_s\": " + array(r.decode())
                + ", \"vision_ms_per_tile\": " + array(r.vision()) + ", \"load_ms\": " + array(r.load()) + "}");
        field(sb, "tile_size", Integer.toString(r.tileSize()));
        field(sb, "load_text_ms", num(r.loadTextMs()));
        field(sb, "load_vision_ms", num(r.loadVisionMs()));
        field(sb, "n_prompt", Integer.toString(s.promptTokens()));
        field(sb, "n_gen", Integer.toString(s.genTokens()));
        field(sb, "n_depth", Integer.toString(s.depth()));
        field(sb, "repetitions", Integer.toString(s.repetitions()));
        field(sb, "threads", Integer.toString(s.threads()));
        field(sb, "context_size", Integer.toString(r.contextSize()));
        field(sb, "kv_cache_type", Text.json(s.kvCacheType().name()));
        field(sb, "kv_cache_committed_mb", num(r.kvCommittedBytes() / 1048576.0));
        field(sb, "seed", Long.toString(s.seed()));
        field(sb, "model", model(r.text()));
        field(sb, "mmproj", r.visionFile() == null ? "null" : model(r.visionFile()));
        field(sb, "weight_types", "{\"text\": " + typeArray(r.text()) + ", \"vision\": "
                + (r.visionFile() == null ? "null" : typeArray(r.visionFile())) + "}");
        field(sb, "vector_bits", Integer.toString(r.vectorBits()));
        field(sb, "kernels", r.kernels() == null ? "null" : Text.json(r.kernels()));
        field(sb, "vlm4j_version", Text.json(VersionInfo.version()));
        field(sb, "jvm", Text.json(r.jvm()));
        sb.append("  \"os\": ").append(Text.json(r.os())).append("\n}");
        return sb.toString();
    }

    private static String model(ModelFacts m) {
        StringBuilder sb = new StringBuilder("{\"path\": ").append(Text.json(m.path().toString()))
                .append(", \"architecture\": ").append(Text.json(m.architecture()))
                .append(", \"size_bytes\": ").append(m.tensorBytes())
                .append(", \"params\": ").append(m.parameters())
                .append(", \"bytes_by_type\": {");
        boolean first = true;
        for (Map.Entry<GgmlType, Long> e : m.bytesByType().entrySet()) {
            sb.append(first ? "" : ", ").append(Text.json(e.getKey().name())).append(": ").append(e.getValue());
            first = false;
        }
        return sb.append("}}").toString();
    }

    private static String typeArray(ModelFacts m) {
        StringBuilder sb = new StringBuilder("[");
        for (GgmlType t : m.bytesByType().keySet()) {
            sb.append(sb.length() > 1 ? ", " : "").append(Text.json(t.name()));
        }
        return sb.append(']').toString();
    }

    private static void field(StringBuilder sb, String key, String value) {
        sb.append("  ").append(Text.json(key)).append(": ").append(value).append(",\n");
    }

    private static String mean(Samples s) {
        return s == null ? "null" : num(s.mean());
    }

    private static String sd(Samples s) {
        return s == null ? "null" : num(s.stddev());
    }

    private static String array(Samples s) {
        if (s == null) {
            return "[]";
        }
        StringBuilder sb = new StringBuilder("[");
        double[] v = s.values();
        for (int i = 0; i < v.length; i++) {
            sb.append(i > 0 ? ", " : "").append(num(v[i]));
        }
        return sb.append(']').toString();
    }

    /** A finite number with 4 decimals (JSON has no NaN/Infinity; those become null). */
    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }

    private static double last(Samples s) {
        double[] v = s.values();
        return v[v.length - 1];
    }

    private static String[] row(ModelFacts m, int threads, String test, String tps, String ms) {
        return new String[] {m.architecture() + " " + Text.shortCount(m.parameters()).replace(" ", "") + " " + m.mainType(),
            mib(m.tensorBytes()), params(m.parameters()), m.typeList(), Integer.toString(threads), test, tps, ms};
    }

    private static String fmt(Samples s) {
        return String.format(Locale.ROOT, "%.2f ± %.2f", s.mean(), s.stddev());
    }

    private static String mib(long bytes) {
        return bytes >= (1L << 30) ? String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0)
                : String.format(Locale.ROOT, "%.2f MiB", bytes / 1048576.0);
    }

    private static String params(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f K", n / 1e3);
    }

    private static String types(Map<GgmlType, Long> byType) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<GgmlType, Long> e : byType.entrySet()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(e.getKey().name()).append(' ').append(Text.bytes(e.getValue()));
        }
        return sb.toString();
    }

    private static String line(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            String pad = " ".repeat(w[i] - c.length());
            sb.append(' ').append(RIGHT[i] ? pad + c : c + pad).append(" |");
        }
        return sb.toString();
    }
}
