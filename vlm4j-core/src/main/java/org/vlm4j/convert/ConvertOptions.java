package org.vlm4j.convert;

import java.util.Locale;
import org.vlm4j.gguf.GgmlType;

/**
 * What a conversion produces: the type of the text model's 2-D weights (Q8_0, Q4_0, F16, BF16 or
 * F32), of the vision weights (F16 or F32), the {@code general.name} (null: the directory name) and
 * where progress goes.
 */
public record ConvertOptions(GgmlType textType, GgmlType visionType, String name, ConvertProgress progress) {
    /** q8_0 text, f16 vision: the default of {@code vlm4j convert} and {@code vlm4j pull}. */
    public static final ConvertOptions DEFAULTS = new ConvertOptions(GgmlType.Q8_0, GgmlType.F16, null, ConvertProgress.NONE);

    public ConvertOptions {
        if (name != null) {
            checkName(name);
        }
        if (textType != GgmlType.Q8_0 && textType != GgmlType.Q4_0 && textType != GgmlType.F16 && textType != GgmlType.BF16
                && textType != GgmlType.F32) {
            throw new IllegalArgumentException("text type " + textType + " is not supported (q8_0, q4_0, f16, bf16, f32)");
        }
        if (visionType != GgmlType.F16 && visionType != GgmlType.F32) {
            throw new IllegalArgumentException("vision type " + visionType + " is not supported (f16, f32)");
        }
        if (progress == null) {
            progress = ConvertProgress.NONE;
        }
    }

    public ConvertOptions withTypes(GgmlType text, GgmlType vision) {
        return new ConvertOptions(text, vision, name, progress);
    }

    public ConvertOptions withName(String n) {
        return new ConvertOptions(textType, visionType, n, progress);
    }

    public ConvertOptions withProgress(ConvertProgress p) {
        return new ConvertOptions(textType, visionType, name, p);
    }

    /** Parses a type spelled as on the command line ({@code q8_0}, {@code f16}, ...). */
    public static GgmlType parseType(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "q8_0" -> GgmlType.Q8_0;
            case "q4_0" -> GgmlType.Q4_0;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            case "f32" -> GgmlType.F32;
            default -> throw new IllegalArgumentException("unknown type '" + s + "' (expected q8_0, q4_0, f16, bf16 or f32)");
        };
    }

    /** The lower-case spelling used in file names. */
    public static String typeName(GgmlType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A model name is also the start of the two file names ({@code NAME-q8_0.gguf},
     * {@code mmproj-NAME-f16.gguf}), so it must be one plain file-name part: not empty, no path
     * separators, not starting with a dot, no control characters, at most 200 characters.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String checkName(String name) {
        String why = null;
        if (name.isBlank()) {
            why = "is empty";
        } else if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            why = "contains a path separator (the files go into --out)";
        } else if (name.startsWith(".")) {
            why = "starts with a dot";
        } else if (name.length() > 200) {
            why = "is longer than 200 characters";
        } else if (name.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7F)) {
            why = "contains a control character";
        }
        if (why != null) {
            throw new IllegalArgumentException("the model name '" + name + "' " + why + "; it names the output files");
        }
        return name;
    }
}
