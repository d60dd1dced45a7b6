package org.vlm4j.gguf;

/**
 * A typed metadata value. {@code value} is a {@link Long} for every integer type (unsigned types
 * zero-extended; UINT64 above 2^63 wraps as in two's complement), a {@link Float} or {@link Double},
 * a {@link Boolean}, a {@link String} or a {@link GgufArray}. The type is kept so that a file can be
 * written back with exactly the types it had.
 */
public record GgufValue(GgufValueType type, Object value) {

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofU32(long v) {
        return checked(GgufValueType.UINT32, v);
    }

    public static GgufValue ofI32(long v) {
        return checked(GgufValueType.INT32, v);
    }

    public static GgufValue ofU64(long v) {
        return new GgufValue(GgufValueType.UINT64, v);
    }

    public static GgufValue ofF32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray a) {
        return new GgufValue(GgufValueType.ARRAY, a);
    }

    public static GgufValue ofU8(long v) {
        return checked(GgufValueType.UINT8, v);
    }

    public static GgufValue ofI8(long v) {
        return checked(GgufValueType.INT8, v);
    }

    public static GgufValue ofU16(long v) {
        return checked(GgufValueType.UINT16, v);
    }

    public static GgufValue ofI16(long v) {
        return checked(GgufValueType.INT16, v);
    }

    public static GgufValue ofI64(long v) {
        return new GgufValue(GgufValueType.INT64, v);
    }

    public static GgufValue ofF64(double v) {
        return new GgufValue(GgufValueType.FLOAT64, v);
    }

    private static GgufValue checked(GgufValueType type, long v) {
        checkRange(type, v);
        return new GgufValue(type, v);
    }

    /**
     * Checks that {@code v} is representable in the integer type {@code type}.
     *
     * @throws IllegalArgumentException if it is not
     */
    static void checkRange(GgufValueType type, long v) {
        boolean ok = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            case BOOL -> v == 0 || v == 1;
            default -> true;
        };
        if (!ok) {
            throw new IllegalArgumentException("value " + v + " does not fit in " + type);
        }
    }

    /** Short human-readable rendering; long strings and arrays are summarised. */
    public String summary(int maxChars) {
        String s;
        if (value instanceof String str) {
            s = '"' + str.replace("\n", "\\n") + '"';
        } else if (value instanceof GgufArray a) {
            StringBuilder sb = new StringBuilder(a.elementType() + "[" + a.length() + "]");
            if (a.elementType() == GgufValueType.STRING && a.length() > 0) {
                String[] items = a.strings();
                sb.append(" [");
                for (int i = 0; i < Math.min(items.length, 5); i++) {
                    sb.append(i > 0 ? ", " : "").append('"').append(items[i]).append('"');
                }
                sb.append(items.length > 5 ? ", ...]" : "]");
            } else if (a.elementType().size() > 0 && a.length() > 0) {
                sb.append(" [");
                boolean fl = a.elementType() == GgufValueType.FLOAT32 || a.elementType() == GgufValueType.FLOAT64;
                float[] f = fl ? a.floats() : null;
                for (int i = 0; i < Math.min(a.length(), 8); i++) {
                    sb.append(i > 0 ? ", " : "").append(fl ? String.valueOf(f[i]) : String.valueOf(a.getLong(i)));
                }
                sb.append(a.length() > 8 ? ", ...]" : "]");
            }
            s = sb.toString();
        } else {
            s = String.valueOf(value);
        }
        return s.length() > maxChars ? s.substring(0, maxChars) + "... (" + s.length() + " chars)" : s;
    }
}
