package org.vlm4j.vision;

/**
 * Walks the marker segments of a JPEG header (up to the first scan) without decoding anything.
 *
 * <p>Used to read the EXIF {@code APP1} block and to neutralise embedded ICC profiles: Pillow's
 * {@code convert('RGB')} never applies an ICC profile, but the JDK JPEG reader converts pixels from
 * an embedded profile to sRGB (and cannot be told not to), which would change every pixel of, e.g.,
 * a Display-P3 phone photo.
 */
final class JpegSegments {

    /** Receives one segment; returns {@code false} to stop the walk. */
    @FunctionalInterface
    interface Visitor {
        boolean segment(int marker, int bodyOffset, int bodyLength);
    }

    private JpegSegments() {
    }

    static boolean isJpeg(byte[] d) {
        return d.length >= 3 && (d[0] & 0xFF) == 0xFF && (d[1] & 0xFF) == 0xD8 && (d[2] & 0xFF) == 0xFF;
    }

    /**
     * Calls {@code visitor} for every length-carrying segment between SOI and the first SOS (or EOI),
     * in file order. Stops quietly at malformed or truncated data.
     */
    static void walk(byte[] d, Visitor visitor) {
        if (!isJpeg(d)) {
            return;
        }
        int pos = 2;
        while (pos + 4 <= d.length) {
            if ((d[pos] & 0xFF) != 0xFF) {
                return;
            }
            int marker = d[pos + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                pos++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                pos += 2; // markers without a length
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return;
            }
            int len = ((d[pos + 2] & 0xFF) << 8) | (d[pos + 3] & 0xFF);
            if (len < 2 || pos + 2 + len > d.length) {
                return;
            }
            if (!visitor.segment(marker, pos + 4, len - 2)) {
                return;
            }
            pos += 2 + len;
        }
    }

    static boolean startsWith(byte[] d, int off, int len, String ascii) {
        if (len < ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (d[off + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns {@code d} unchanged if it has no {@code APP2 "ICC_PROFILE"} segment, otherwise a copy
     * in which those segments' identifiers are altered (same length) so that decoders skip them as
     * unknown application data.
     */
    static byte[] withoutIccProfiles(byte[] d) {
        byte[][] copy = {null};
        walk(d, (marker, off, len) -> {
            if (marker == 0xE2 && startsWith(d, off, len, "ICC_PROFILE\0")) {
                if (copy[0] == null) {
                    copy[0] = d.clone();
                }
                copy[0][off] = 'X';
            }
            return true;
        });
        return copy[0] == null ? d : copy[0];
    }
}
