package org.vlm4j.gguf;

/**
 * Names of the values of {@code general.file_type} (llama.cpp's {@code llama_ftype}): the
 * "mostly" type of a model's large weights, as tools such as {@code vlm4j info} show it. The value
 * is informational; the real type of every tensor is in the tensor table.
 */
public final class GgufFileTypes {
    private static final String[] NAMES = new String[40];

    static {
        String[][] table = {
            {"0", "ALL_F32"}, {"1", "MOSTLY_F16"}, {"2", "MOSTLY_Q4_0"}, {"3", "MOSTLY_Q4_1"},
            {"7", "MOSTLY_Q8_0"}, {"8", "MOSTLY_Q5_0"}, {"9", "MOSTLY_Q5_1"}, {"10", "MOSTLY_Q2_K"},
            {"11", "MOSTLY_Q3_K_S"}, {"12", "MOSTLY_Q3_K_M"}, {"13", "MOSTLY_Q3_K_L"}, {"14", "MOSTLY_Q4_K_S"},
            {"15", "MOSTLY_Q4_K_M"}, {"16", "MOSTLY_Q5_K_S"}, {"17", "MOSTLY_Q5_K_M"}, {"18", "MOSTLY_Q6_K"},
            {"19", "MOSTLY_IQ2_XXS"}, {"20", "MOSTLY_IQ2_XS"}, {"21", "MOSTLY_Q2_K_S"}, {"22", "MOSTLY_IQ3_XS"},
            {"23", "MOSTLY_IQ3_XXS"}, {"24", "MOSTLY_IQ1_S"}, {"25", "MOSTLY_IQ4_NL"}, {"26", "MOSTLY_IQ3_S"},
            {"27", "MOSTLY_IQ3_M"}, {"28", "MOSTLY_IQ2_S"}, {"29", "MOSTLY_IQ2_M"}, {"30", "MOSTLY_IQ4_XS"},
            {"31", "MOSTLY_IQ1_M"}, {"32", "MOSTLY_BF16"}, {"36", "MOSTLY_TQ1_0"}, {"37", "MOSTLY_TQ2_0"},
            {"38", "MOSTLY_MXFP4_MOE"},
        };
        for (String[] e : table) {
            NAMES[Integer.parseInt(e[0])] = e[1];
        }
    }

    private GgufFileTypes() {}

    /** The name of file type {@code id}, or {@code "unknown(id)"}. */
    public static String name(long id) {
        return id >= 0 && id < NAMES.length && NAMES[(int) id] != null ? NAMES[(int) id] : "unknown(" + id + ")";
    }

    /** The file type id for a file whose large weights have type {@code t}, or -1 if there is none. */
    public static int forType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> -1;
        };
    }
}
