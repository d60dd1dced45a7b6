package org.vlm4j.vision;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A minimal PNG writer for tests: any colour type and bit depth, optional PLTE, tRNS and eXIf
 * chunks, valid CRCs. Written against the PNG specification so that test inputs do not depend on
 * the ImageIO writer (which cannot produce every combination, e.g. 16-bit grey with tRNS).
 */
final class TestPng {

    private TestPng() {
    }

    static byte[] chunk(String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        writeInt(out, data.length);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
        return out.toByteArray();
    }

    static byte[] ihdr(int w, int h, int bitDepth, int colorType) {
        byte[] d = new byte[13];
        putInt(d, 0, w);
        putInt(d, 4, h);
        d[8] = (byte) bitDepth;
        d[9] = (byte) colorType;
        return chunk("IHDR", d);
    }

    static int channels(int colorType) {
        return switch (colorType) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colorType);
        };
    }

    /**
     * A complete PNG. {@code samples} holds {@code w*h*channels} values in row-major, channel-interleaved
     * order, each in {@code 0 .. 2^bitDepth-1}; they are packed MSB-first as the PNG spec says.
     */
    static byte[] png(int w, int h, int bitDepth, int colorType, int[] samples,
                      byte[] plte, byte[] trns, byte[] exif) {
        int ch = channels(colorType);
        if (samples.length != w * h * ch) {
            throw new IllegalArgumentException("need " + w * h * ch + " samples");
        }
        int rowBytes = (w * ch * bitDepth + 7) / 8;
        byte[] raw = new byte[h * (rowBytes + 1)];
        for (int y = 0; y < h; y++) {
            int rowStart = y * (rowBytes + 1);
            raw[rowStart] = 0; // filter: none
            long bitPos = 0;
            for (int i = 0; i < w * ch; i++) {
                int v = samples[y * w * ch + i];
                if (bitDepth == 16) {
                    raw[rowStart + 1 + 2 * i] = (byte) (v >>> 8);
                    raw[rowStart + 2 + 2 * i] = (byte) v;
                } else if (bitDepth == 8) {
                    raw[rowStart + 1 + i] = (byte) v;
                } else {
                    int byteIdx = (int) (bitPos / 8);
                    int shift = 8 - bitDepth - (int) (bitPos % 8);
                    raw[rowStart + 1 + byteIdx] |= (byte) (v << shift);
                    bitPos += bitDepth;
                }
            }
        }
        Deflater def = new Deflater();
        def.setInput(raw);
        def.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!def.finished()) {
            z.write(buf, 0, def.deflate(buf));
        }
        def.end();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(signature());
        out.writeBytes(ihdr(w, h, bitDepth, colorType));
        if (exif != null) {
            out.writeBytes(chunk("eXIf", exif));
        }
        if (plte != null) {
            out.writeBytes(chunk("PLTE", plte));
        }
        if (trns != null) {
            out.writeBytes(chunk("tRNS", trns));
        }
        out.writeBytes(chunk("IDAT", z.toByteArray()));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    /** Signature + IHDR + a tiny IDAT + IEND: a header claiming any size, with valid CRCs. */
    static byte[] headerOnly(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(signature());
        out.writeBytes(ihdr(w, h, 8, 2));
        out.writeBytes(chunk("IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    static byte[] signature() {
        return new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void putInt(byte[] d, int off, int v) {
        d[off] = (byte) (v >>> 24);
        d[off + 1] = (byte) (v >>> 16);
        d[off + 2] = (byte) (v >>> 8);
        d[off + 3] = (byte) v;
    }
}
