package org.vlm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufArray;
import org.vlm4j.gguf.GgufFile;
import org.vlm4j.gguf.GgufFileTypes;
import org.vlm4j.gguf.GgufTensorInfo;
import org.vlm4j.gguf.GgufValue;
import org.vlm4j.gguf.GgufValueType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vlm4j info FILE.gguf}: what a GGUF file contains, so that a user can check a download or a
 * conversion before loading it: header facts, metadata (long values summarised), the tensor table
 * and totals per type. {@code --json} gives the same facts for scripts.
 */
@Command(name = "info", description = "Show the header, metadata and tensor table of a GGUF file.")
public final class InfoCommand implements Callable<Integer> {
    static final int ARRAY_HEAD = 8;
    static final int STRING_HEAD = 120;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The .gguf file.")
    Path file;

    @Option(names = "--all", description = "Print every array element and long strings in full.")
    boolean all;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile f = GgufFile.open(file)) {
            if (json) {
                out.println(toJson(f, all));
            } else {
                printText(f, out, all);
            }
        }
        out.flush();
        return 0;
    }

    /** Per-type tensor count, element count and bytes. */
    static Map<GgmlType, long[]> totalsByType(List<GgufTensorInfo> tensors) {
        Map<GgmlType, long[]> m = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : tensors) {
            long[] a = m.computeIfAbsent(t.type(), k -> new long[3]);
            a[0]++;
            a[1] += t.elementCount();
            a[2] += t.byteSize();
        }
        return m;
    }

    static void printText(GgufFile f, PrintWriter out, boolean all) {
        long params = 0;
        long bytes = 0;
        for (GgufTensorInfo t : f.tensors()) {
            params += t.elementCount();
            bytes += t.byteSize();
        }
        String fmt = "%-15s %s%n";
        out.printf(Locale.ROOT, fmt, "file:", f.path() + " (" + Text.count(f.fileSize()) + " bytes, " + Text.bytes(f.fileSize()) + ")");
        out.printf(Locale.ROOT, fmt, "GGUF version:", f.version());
        out.printf(Locale.ROOT, fmt, "architecture:", f.architecture().isEmpty() ? "(none)" : f.architecture());
        String name = f.metadata().contains("general.name") && f.metadata().get("general.name").orElseThrow().value() instanceof String s ? s : null;
        if (name != null) {
            out.printf(Locale.ROOT, fmt, "name:", name);
        }
        out.printf(Locale.ROOT, fmt, "file type:", fileType(f));
        out.printf(Locale.ROOT, fmt, "alignment:", f.alignment());
        out.printf(Locale.ROOT, fmt, "data offset:", Text.count(f.dataOffset()));
        out.printf(Locale.ROOT, fmt, "tensors:", f.tensors().size());
        out.printf(Locale.ROOT, fmt, "parameters:", Text.count(params) + " (" + Text.shortCount(params) + ")");
        out.printf(Locale.ROOT, fmt, "tensor bytes:", Text.count(bytes) + " (" + Text.bytes(bytes) + ")");

        out.println();
        out.println("metadata (" + f.metadata().entries().size() + " keys):");
        int keyWidth = 0;
        for (String k : f.metadata().entries().keySet()) {
            keyWidth = Math.max(keyWidth, k.length());
        }
        for (Map.Entry<String, GgufValue> e : f.metadata().entries().entrySet()) {
            out.printf(Locale.ROOT, "  %-" + keyWidth + "s  %-14s %s%n", e.getKey(), typeName(e.getValue()), render(e.getValue(), all));
        }

        out.println();
        out.println("tensors (" + f.tensors().size() + "):");
        int nameWidth = 4;
        for (GgufTensorInfo t : f.tensors()) {
            nameWidth = Math.max(nameWidth, t.name().length());
        }
        String row = "  %5s  %-" + nameWidth + "s  %-6s %-22s %15s %15s%n";
        out.printf(Locale.ROOT, row, "#", "name", "type", "shape (ne)", "elements", "bytes");
        int i = 0;
        for (GgufTensorInfo t : f.tensors()) {
            out.printf(Locale.ROOT, row, i++, t.name(), t.type(), t.shapeString(), Text.count(t.elementCount()), Text.count(t.byteSize()));
        }

        out.println();
        out.println("by type:");
        for (Map.Entry<GgmlType, long[]> e : totalsByType(f.tensors()).entrySet()) {
            long[] a = e.getValue();
            out.printf(Locale.ROOT, "  %-6s %5d tensors %18s params %18s bytes (%s)%n", e.getKey(), a[0], Text.count(a[1]), Text.count(a[2]), Text.bytes(a[2]));
        }
        out.printf(Locale.ROOT, "  %-6s %5d tensors %18s params %18s bytes (%s)%n", "total", f.tensors().size(), Text.count(params), Text.count(bytes), Text.bytes(bytes));
    }

    static String fileType(GgufFile f) {
        if (!f.metadata().contains("general.file_type")) {
            return "(not set)";
        }
        GgufValue v = f.metadata().get("general.file_type").orElseThrow();
        return v.value() instanceof Long id ? GgufFileTypes.name(id) + " (" + id + ")" : String.valueOf(v.value());
    }

    static String typeName(GgufValue v) {
        if (v.value() instanceof GgufArray a) {
            return a.elementType().name().toLowerCase(Locale.ROOT) + "[" + a.length() + "]";
        }
        return v.type().name().toLowerCase(Locale.ROOT);
    }

    /** A value for text output; long strings and arrays are shortened unless {@code all}. */
    static String render(GgufValue v, boolean all) {
        Object o = v.value();
        if (o instanceof String s) {
            if (!all && s.length() > STRING_HEAD) {
                return Text.quoted(s.substring(0, STRING_HEAD)) + "... (" + Text.count(s.length()) + " chars)";
            }
            return Text.quoted(s);
        }
        if (o instanceof GgufArray a) {
            return renderArray(a, all);
        }
        return scalar(v.type(), o);
    }

    private static String scalar(GgufValueType type, Object o) {
        if (type == GgufValueType.UINT64 && o instanceof Long l) {
            return Long.toUnsignedString(l);
        }
        return String.valueOf(o);
    }

    private static String renderArray(GgufArray a, boolean all) {
        int n = all ? a.length() : Math.min(a.length(), ARRAY_HEAD);
        StringBuilder sb = new StringBuilder("[");
        String[] strings = a.elementType() == GgufValueType.STRING ? a.strings() : null;
        GgufArray[] nested = a.elementType() == GgufValueType.ARRAY ? a.arrays() : null;
        float[] floats = a.elementType() == GgufValueType.FLOAT32 || a.elementType() == GgufValueType.FLOAT64 ? a.floats() : null;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (strings != null) {
                String s = strings[i];
                sb.append(!all && s.length() > 40 ? Text.quoted(s.substring(0, 40)) + "..." : Text.quoted(s));
            } else if (nested != null) {
                sb.append(renderArray(nested[i], all));
            } else if (floats != null) {
                sb.append(a.elementType() == GgufValueType.FLOAT64 ? Double.toString(a.rawData().get(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, 8L * i)) : Float.toString(floats[i]));
            } else if (a.elementType() == GgufValueType.BOOL) {
                sb.append(a.getLong(i) != 0);
            } else {
                sb.append(a.elementType() == GgufValueType.UINT64 ? Long.toUnsignedString(a.getLong(i)) : Long.toString(a.getLong(i)));
            }
        }
        if (n < a.length()) {
            sb.append(", ... (").append(Text.count(a.length())).append(" elements)");
        }
        return sb.append(']').toString();
    }

    static String toJson(GgufFile f, boolean all) {
        long params = 0;
        long bytes = 0;
        for (GgufTensorInfo t : f.tensors()) {
            params += t.elementCount();
            bytes += t.byteSize();
        }
        StringBuilder sb = new StringBuilder();
        sb.append("{\n");
        sb.append("  \"file\": ").append(Text.json(f.path().toString())).append(",\n");
        sb.append("  \"file_size\": ").append(f.fileSize()).append(",\n");
        sb.append("  \"version\": ").append(f.version()).append(",\n");
        sb.append("  \"architecture\": ").append(Text.json(f.architecture())).append(",\n");
        long ft = f.metadata().contains("general.file_type") && f.metadata().get("general.file_type").orElseThrow().value() instanceof Long l ? l : -1;
        sb.append("  \"file_type\": ").append(ft < 0 ? "null" : "{\"id\": " + ft + ", \"name\": " + Text.json(GgufFileTypes.name(ft)) + "}").append(",\n");
        sb.append("  \"alignment\": ").append(f.alignment()).append(",\n");
        sb.append("  \"data_offset\": ").append(f.dataOffset()).append(",\n");
        sb.append("  \"metadata\": {");
        boolean first = true;
        for (Map.Entry<String, GgufValue> e : f.metadata().entries().entrySet()) {
            sb.append(first ? "\n" : ",\n").append("    ").append(Text.json(e.getKey())).append(": ");
            jsonValue(sb, e.getValue(), all);
            first = false;
        }
        sb.append(first ? "},\n" : "\n  },\n");
        sb.append("  \"tensors\": [");
        first = true;
        for (GgufTensorInfo t : f.tensors()) {
            sb.append(first ? "\n" : ",\n").append("    {\"name\": ").append(Text.json(t.name()))
                    .append(", \"type\": ").append(Text.json(t.type().name()))
                    .append(", \"shape\": ").append(t.shapeString())
                    .append(", \"elements\": ").append(t.elementCount())
                    .append(", \"bytes\": ").append(t.byteSize())
                    .append(", \"offset\": ").append(t.offset()).append('}');
            first = false;
        }
        sb.append(first ? "],\n" : "\n  ],\n");
        sb.append("  \"totals\": {\"tensors\": ").append(f.tensors().size()).append(", \"parameters\": ").append(params)
                .append(", \"bytes\": ").append(bytes).append("},\n");
        sb.append("  \"by_type\": {");
        first = true;
        for (Map.Entry<GgmlType, long[]> e : totalsByType(f.tensors()).entrySet()) {
            long[] a = e.getValue();
            sb.append(first ? "" : ", ").append(Text.json(e.getKey().name())).append(": {\"tensors\": ").append(a[0])
                    .append(", \"parameters\": ").append(a[1]).append(", \"bytes\": ").append(a[2]).append('}');
            first = false;
        }
        sb.append("}\n}");
        return sb.toString();
    }

    private static void jsonValue(StringBuilder sb, GgufValue v, boolean all) {
        sb.append("{\"type\": ").append(Text.json(v.type().name())).append(", ");
        Object o = v.value();
        if (o instanceof GgufArray a) {
            sb.append("\"element_type\": ").append(Text.json(a.elementType().name())).append(", \"length\": ").append(a.length());
            int n = all ? a.length() : Math.min(a.length(), ARRAY_HEAD);
            sb.append(", \"").append(n == a.length() ? "value" : "head").append("\": ");
            jsonArray(sb, a, n);
        } else if (o instanceof String s) {
            boolean cut = !all && s.length() > STRING_HEAD;
            sb.append("\"value\": ").append(Text.json(cut ? s.substring(0, STRING_HEAD) : s));
            if (cut) {
                sb.append(", \"truncated\": true, \"length\": ").append(s.length());
            }
        } else {
            sb.append("\"value\": ").append(jsonScalar(v.type(), o));
        }
        sb.append('}');
    }

    private static void jsonArray(StringBuilder sb, GgufArray a, int n) {
        sb.append('[');
        String[] strings = a.elementType() == GgufValueType.STRING ? a.strings() : null;
        GgufArray[] nested = a.elementType() == GgufValueType.ARRAY ? a.arrays() : null;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (strings != null) {
                sb.append(Text.json(strings[i]));
            } else if (nested != null) {
                jsonArray(sb, nested[i], nested[i].length());
            } else if (a.elementType() == GgufValueType.FLOAT32) {
                sb.append(jsonScalar(GgufValueType.FLOAT32, a.rawData().get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i)));
            } else if (a.elementType() == GgufValueType.FLOAT64) {
                sb.append(jsonScalar(GgufValueType.FLOAT64, a.rawData().get(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, 8L * i)));
            } else if (a.elementType() == GgufValueType.BOOL) {
                sb.append(a.getLong(i) != 0);
            } else {
                sb.append(a.elementType() == GgufValueType.UINT64 ? Long.toUnsignedString(a.getLong(i)) : Long.toString(a.getLong(i)));
            }
        }
        sb.append(']');
    }

    private static String jsonScalar(GgufValueType type, Object o) {
        if (o instanceof Float x && !Float.isFinite(x) || o instanceof Double d && !Double.isFinite(d)) {
            return Text.json(String.valueOf(o)); // JSON has no NaN/Infinity
        }
        if (type == GgufValueType.UINT64 && o instanceof Long l) {
            return Long.toUnsignedString(l);
        }
        return String.valueOf(o);
    }
}
