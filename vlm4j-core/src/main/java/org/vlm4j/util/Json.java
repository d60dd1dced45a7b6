package org.vlm4j.util;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) parser.
 *
 * <p>vlm4j-core has no runtime dependencies, yet it must read Hugging Face files such as
 * {@code tokenizer.json} (several MB), {@code tokenizer_config.json} and {@code config.json}. This
 * class turns a JSON text into plain Java values:
 *
 * <ul>
 *   <li>object: {@code Map<String, Object>} (a {@link LinkedHashMap}, keys in document order;
 *       a key that appears twice in one object is an error)
 *   <li>array: {@code List<Object>} (an {@link ArrayList})
 *   <li>string: {@link String} ({@code \}{@code uXXXX} escapes are decoded; a surrogate pair written
 *       as two escapes becomes one supplementary code point)
 *   <li>number: {@link Long} for integers that fit, {@link BigInteger} for larger integers,
 *       {@link Double} for anything with a fraction or an exponent
 *   <li>{@code true}/{@code false}: {@link Boolean}; {@code null}: {@code null}
 * </ul>
 *
 * <p>Errors are reported as {@link JsonParseException} with offset, line and column. Nesting deeper
 * than {@value #MAX_DEPTH} levels is rejected instead of overflowing the stack. A leading byte order
 * mark (U+FEFF) is skipped. Instances are not needed: the class is a static facade and thread-safe.
 */
public final class Json {
    /** Maximum nesting depth of arrays and objects. */
    public static final int MAX_DEPTH = 512;

    private final String s;
    private final String source;
    private final int n;
    private int pos;

    private Json(String s, String source) {
        this.s = s;
        this.source = source;
        this.n = s.length();
    }

    /**
     * Parses a complete JSON text.
     *
     * @param text the JSON text
     * @return the value: Map, List, String, Number, Boolean or null
     * @throws JsonParseException if the text is not valid JSON
     */
    public static Object parse(String text) {
        return parse(text, null);
    }

    /**
     * Parses a complete JSON text, naming {@code sourceName} (for example a file name) in errors.
     *
     * @param text the JSON text
     * @param sourceName what to call the input in error messages, may be null
     * @return the value: Map, List, String, Number, Boolean or null
     * @throws JsonParseException if the text is not valid JSON
     */
    public static Object parse(String text, String sourceName) {
        if (text == null) {
            throw new IllegalArgumentException("JSON text is null");
        }
        Json p = new Json(text, sourceName);
        if (p.n > 0 && text.charAt(0) == '\uFEFF') {
            p.pos = 1;
        }
        p.skipWhitespace();
        Object value = p.readValue(0);
        p.skipWhitespace();
        if (p.pos < p.n) {
            throw p.error("unexpected " + p.describe(p.pos) + " after the JSON value", p.pos);
        }
        return value;
    }

    private Object readValue(int depth) {
        if (pos >= n) {
            throw error("unexpected end of input, expected a value", pos);
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return readObject(depth + 1);
            case '[':
                return readArray(depth + 1);
            case '"':
                return readString();
            case 't':
                expectLiteral("true");
                return Boolean.TRUE;
            case 'f':
                expectLiteral("false");
                return Boolean.FALSE;
            case 'n':
                expectLiteral("null");
                return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return readNumber();
                }
                throw error("unexpected " + describe(pos) + ", expected a value", pos);
        }
    }

    private Map<String, Object> readObject(int depth) {
        checkDepth(depth);
        int start = pos;
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (pos < n && s.charAt(pos) == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (pos >= n) {
                throw error("unterminated object (opened at offset " + start + ")", pos);
            }
            if (s.charAt(pos) != '"') {
                throw error("unexpected " + describe(pos) + ", expected a string key", pos);
            }
            int keyPos = pos;
            String key = readString();
            skipWhitespace();
            if (pos >= n || s.charAt(pos) != ':') {
                throw error("expected ':' after object key \"" + abbreviate(key) + "\" but found "
                        + describe(pos), pos);
            }
            pos++;
            skipWhitespace();
            Object value = readValue(depth);
            if (map.containsKey(key)) {
                throw error("duplicate object key \"" + abbreviate(key) + "\"", keyPos);
            }
            map.put(key, value);
            skipWhitespace();
            if (pos >= n) {
                throw error("unterminated object (opened at offset " + start + ")", pos);
            }
            char c = s.charAt(pos++);
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw error("unexpected " + describe(pos - 1) + " in object, expected ',' or '}'", pos - 1);
            }
        }
    }

    private List<Object> readArray(int depth) {
        checkDepth(depth);
        int start = pos;
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (pos < n && s.charAt(pos) == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(readValue(depth));
            skipWhitespace();
            if (pos >= n) {
                throw error("unterminated array (opened at offset " + start + ")", pos);
            }
            char c = s.charAt(pos++);
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                throw error("unexpected " + describe(pos - 1) + " in array, expected ',' or ']'", pos - 1);
            }
        }
    }

    private String readString() {
        int start = pos;
        pos++; // opening quote
        // Fast path: no escapes.
        int i = pos;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"') {
                pos = i + 1;
                return s.substring(start + 1, i);
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + hex4(c) + " in string", i);
            }
            i++;
        }
        StringBuilder sb = new StringBuilder(Math.max(16, (i - pos) + 16));
        sb.append(s, pos, i);
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"') {
                pos = i + 1;
                return sb.toString();
            }
            if (c == '\\') {
                if (i + 1 >= n) {
                    break;
                }
                char e = s.charAt(i + 1);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        sb.append(readHex4(i + 2));
                        i += 4;
                    }
                    default -> throw error("invalid escape '\\" + e + "' in string", i);
                }
                i += 2;
                continue;
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + hex4(c) + " in string", i);
            }
            sb.append(c);
            i++;
        }
        throw error("unterminated string (opened at offset " + start + ")", n);
    }

    private char readHex4(int at) {
        if (at + 4 > n) {
            throw error("truncated \\u escape", at - 2);
        }
        int v = 0;
        for (int k = 0; k < 4; k++) {
            char h = s.charAt(at + k);
            int d = Character.digit(h, 16);
            if (d < 0 || h > 'f') {
                throw error("invalid hex digit '" + h + "' in \\u escape", at + k);
            }
            v = (v << 4) | d;
        }
        return (char) v;
    }

    private Number readNumber() {
        int start = pos;
        int i = pos;
        boolean integral = true;
        if (s.charAt(i) == '-') {
            i++;
        }
        if (i >= n) {
            throw error("truncated number", start);
        }
        char c = s.charAt(i);
        if (c == '0') {
            i++;
        } else if (c >= '1' && c <= '9') {
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
        } else {
            throw error("invalid number: expected a digit but found " + describe(i), i);
        }
        if (i < n && s.charAt(i) == '.') {
            integral = false;
            i++;
            int d = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == d) {
                throw error("invalid number: expected a digit after '.'", i);
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integral = false;
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int d = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == d) {
                throw error("invalid number: expected a digit in the exponent", i);
            }
        }
        pos = i;
        String text = s.substring(start, i);
        if (!integral) {
            return Double.parseDouble(text);
        }
        int digits = i - start - (s.charAt(start) == '-' ? 1 : 0);
        if (digits <= 18) {
            return Long.parseLong(text);
        }
        BigInteger big = new BigInteger(text);
        return big.bitLength() < 64 ? (Number) big.longValue() : big;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void expectLiteral(String word) {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected " + describe(pos) + ", expected a value", pos);
        }
        pos += word.length();
    }

    private void skipWhitespace() {
        while (pos < n) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                pos++;
            } else {
                return;
            }
        }
    }

    private void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels", pos);
        }
    }

    private String describe(int at) {
        if (at >= n) {
            return "end of input";
        }
        char c = s.charAt(at);
        if (c < 0x20 || c >= 0x7f) {
            return "character U+" + hex4(c);
        }
        return "character '" + c + "'";
    }

    private static String hex4(char c) {
        String h = Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT);
        return "0".repeat(4 - h.length()) + h;
    }

    private static String abbreviate(String key) {
        return key.length() <= 40 ? key : key.substring(0, 40) + "...";
    }

    private JsonParseException error(String problem, int at) {
        int line = 1;
        int lineStart = 0;
        int limit = Math.min(at, n);
        for (int k = 0; k < limit; k++) {
            if (s.charAt(k) == '\n') {
                line++;
                lineStart = k + 1;
            }
        }
        return new JsonParseException(problem, source, at, line, at - lineStart + 1);
    }
}
