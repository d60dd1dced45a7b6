package org.vlm4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A metadata array. Element data stays in the mapped file until asked for, so opening a model
 * with a 151,936-entry vocabulary costs no string decoding until the tokenizer needs it.
 */
public final class GgufArray {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private final GgufValueType elementType;
    private final int length;
    private final MemorySegment data; // for scalar arrays: the packed elements; for strings: from the first length prefix
    private final GgufArray[] nested; // for arrays of arrays
    private volatile String[] strings;

    GgufArray(GgufValueType elementType, int length, MemorySegment data, GgufArray[] nested) {
        this.elementType = elementType;
        this.length = length;
        this.data = data;
        this.nested = nested;
    }

    /** Builds an in-memory array (used by the writer and by tests). */
    public static GgufArray ofStrings(String... values) {
        GgufArray a = new GgufArray(GgufValueType.STRING, values.length, null, null);
        a.strings = values.clone();
        return a;
    }

    /** Builds an in-memory numeric array of the given element type from raw little-endian bytes. */
    public static GgufArray ofRaw(GgufValueType type, int length, byte[] littleEndian) {
        if (type.size() < 0 || (long) length * type.size() != littleEndian.length) {
            throw new IllegalArgumentException("bad raw array for " + type);
        }
        return new GgufArray(type, length, MemorySegment.ofArray(littleEndian.clone()), null);
    }

    public static GgufArray ofInts(int... values) {
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            s.set(I32, 4L * i, values[i]);
        }
        return new GgufArray(GgufValueType.INT32, values.length, s, null);
    }

    /**
     * Builds an in-memory array of an integer element type (UINT8 .. INT64, or BOOL with 0/1).
     *
     * @throws IllegalArgumentException if a value does not fit the element type
     */
    public static GgufArray ofLongs(GgufValueType type, long... values) {
        if (type.size() < 0 || type == GgufValueType.FLOAT32 || type == GgufValueType.FLOAT64) {
            throw new IllegalArgumentException(type + " is not an integer element type");
        }
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * type.size()]);
        for (int i = 0; i < values.length; i++) {
            long v = values[i];
            GgufValue.checkRange(type, v);
            long o = (long) i * type.size();
            switch (type.size()) {
                case 1 -> s.set(ValueLayout.JAVA_BYTE, o, (byte) v);
                case 2 -> s.set(U16, o, (short) v);
                case 4 -> s.set(I32, o, (int) v);
                default -> s.set(I64, o, v);
            }
        }
        return new GgufArray(type, values.length, s, null);
    }

    public static GgufArray ofBools(boolean... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) (values[i] ? 1 : 0);
        }
        return new GgufArray(GgufValueType.BOOL, values.length, MemorySegment.ofArray(b), null);
    }

    public static GgufArray ofDoubles(double... values) {
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * 8]);
        for (int i = 0; i < values.length; i++) {
            s.set(F64, 8L * i, values[i]);
        }
        return new GgufArray(GgufValueType.FLOAT64, values.length, s, null);
    }

    /** Builds an array whose elements are arrays (GGUF allows nesting; rarely used). */
    public static GgufArray ofArrays(GgufArray... values) {
        return new GgufArray(GgufValueType.ARRAY, values.length, null, values.clone());
    }

    public static GgufArray ofFloats(float... values) {
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            s.set(F32, 4L * i, values[i]);
        }
        return new GgufArray(GgufValueType.FLOAT32, values.length, s, null);
    }

    public GgufValueType elementType() {
        return elementType;
    }

    public int length() {
        return length;
    }

    /** Raw element bytes of a numeric array (little-endian), or null for strings/arrays. */
    public MemorySegment rawData() {
        return elementType.size() > 0 ? data : null;
    }

    /**
     * For a string array read from a file: the encoded elements exactly as stored (u64 length +
     * bytes, repeated), so that a writer can copy them without decoding; null for in-memory arrays.
     */
    MemorySegment encodedStrings() {
        return elementType == GgufValueType.STRING ? data : null;
    }

    /** Elements as strings; only for string arrays. */
    public String[] strings() {
        requireType(GgufValueType.STRING);
        String[] s = strings;
        if (s == null) {
            s = new String[length];
            long pos = 0;
            for (int i = 0; i < length; i++) {
                int len = (int) data.get(I64, pos);
                pos += 8;
                byte[] bytes = new byte[len];
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, bytes, 0, len);
                s[i] = new String(bytes, StandardCharsets.UTF_8);
                pos += len;
            }
            strings = s;
        }
        return s.clone();
    }

    /** Nested arrays; only for arrays of arrays. */
    public GgufArray[] arrays() {
        requireType(GgufValueType.ARRAY);
        return nested.clone();
    }

    /** Integer elements widened to long (unsigned types zero-extended; bools as 0/1). */
    public long getLong(int i) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException(i);
        }
        long o = (long) i * elementType.size();
        return switch (elementType) {
            case UINT8, BOOL -> Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, o));
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, o);
            case UINT16 -> Short.toUnsignedLong(data.get(U16, o));
            case INT16 -> data.get(U16, o);
            case UINT32 -> Integer.toUnsignedLong(data.get(I32, o));
            case INT32 -> data.get(I32, o);
            case UINT64, INT64 -> data.get(I64, o);
            default -> throw new IllegalStateException("array of " + elementType + " is not an integer array");
        };
    }

    /** Integer elements as int (must fit). */
    public int[] ints() {
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            long v = getLong(i);
            if (v != (int) v) {
                throw new IllegalStateException("array element " + i + " = " + v + " does not fit in an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** Numeric elements as float. */
    public float[] floats() {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            out[i] = switch (elementType) {
                case FLOAT32 -> data.get(F32, 4L * i);
                case FLOAT64 -> (float) data.get(F64, 8L * i);
                default -> getLong(i);
            };
        }
        return out;
    }

    private void requireType(GgufValueType t) {
        if (elementType != t) {
            throw new IllegalStateException("array holds " + elementType + ", not " + t);
        }
    }

    @Override
    public String toString() {
        return elementType + "[" + length + "]";
    }
}
