package org.vlm4j.vision;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import org.vlm4j.vision.ImageDecodeException.Reason;

/**
 * Decodes an image file to 8-bit RGB exactly as the InternVL reference does with Pillow:
 * {@code Image.open(f).convert('RGB')} (first frame, alpha dropped, grey replicated, palette
 * expanded, 16-bit reduced by Pillow's rules, EXIF orientation ignored unless asked for).
 *
 * <p><b>Formats.</b> Any {@code javax.imageio} reader registered on the class path is used, found by
 * content sniffing (not by file name). The JDK brings PNG, JPEG, GIF, BMP, WBMP and TIFF; the CLI adds
 * TwelveMonkeys plug-ins (WebP, CMYK JPEG, ...) which register themselves through the service loader.
 * If several readers claim a file, they are tried in registry order until one succeeds.
 *
 * <p><b>Limits.</b> The size is read from the header ({@code ImageReader.getWidth/getHeight}, no pixel
 * data) and checked before any pixel buffer is allocated: zero-size images and images above
 * {@link #maxPixels()} (default {@value #DEFAULT_MAX_PIXELS} pixels) are rejected, so a 12-byte header
 * that claims 100000 x 100000 pixels fails in microseconds instead of exhausting the heap. Files
 * larger than {@link #maxFileBytes()} are rejected before being read.
 *
 * <p><b>Errors.</b> Everything that goes wrong with the content (unknown format, truncated or
 * corrupt data, limits) is an {@link ImageDecodeException} whose message starts with the file name.
 * A truncated JPEG, which the JDK decoder would silently pad with grey, is an error here, as it is
 * in Pillow ("image file is truncated").
 *
 * <p><b>JPEG.</b> The JDK decoder (IJG libjpeg 6b code) reproduced Pillow's libjpeg-turbo decode of the
 * reference photo bit for bit, but other encoders' files (other chroma subsampling, progressive
 * scans) may differ by a level here and there; bit-exact pipelines are tested on PNG input. Embedded
 * ICC profiles are neutralised before decoding, because Pillow ignores them and the JDK reader would
 * otherwise convert the pixels to sRGB.
 *
 * <p><b>GIF.</b> The first frame, placed on the logical screen as Pillow does (canvas pre-filled with
 * palette index 0 or the transparent index).
 *
 * <p><b>CMYK, YCCK, exotic colour spaces.</b> Only with a plug-in that decodes them; converted with
 * Pillow's naive CMYK formula if the plug-in hands over CMYK samples, otherwise through the
 * plug-in's colour model (not Pillow-exact).
 *
 * <p>Instances are immutable and thread-safe; {@code with...} methods return modified copies.
 */
public final class ImageDecoder {

    /** Default pixel limit: 50 megapixels (Pillow warns at 89 MP and refuses at 179 MP). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    /** Default file size limit: 256 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;

    private final long maxPixels;
    private final long maxFileBytes;
    private final boolean applyExifOrientation;

    /** A decoder with the defaults: 50 MP, 256 MiB, EXIF orientation ignored (as the reference). */
    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS, DEFAULT_MAX_FILE_BYTES, false);
    }

    private ImageDecoder(long maxPixels, long maxFileBytes, boolean applyExifOrientation) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        if (maxFileBytes <= 0 || maxFileBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxFileBytes must be in 1.." + (Integer.MAX_VALUE - 16)
                    + ", got " + maxFileBytes);
        }
        this.maxPixels = maxPixels;
        this.maxFileBytes = maxFileBytes;
        this.applyExifOrientation = applyExifOrientation;
    }

    /** A copy with another limit on {@code width * height}. */
    public ImageDecoder withMaxPixels(long maxPixels) {
        return new ImageDecoder(maxPixels, maxFileBytes, applyExifOrientation);
    }

    /** A copy with another limit on the encoded file size in bytes. */
    public ImageDecoder withMaxFileBytes(long maxFileBytes) {
        return new ImageDecoder(maxPixels, maxFileBytes, applyExifOrientation);
    }

    /**
     * A copy that does ({@code true}) or does not ({@code false}, the default and the reference
     * behaviour) rotate/mirror the pixels by the EXIF orientation tag; see {@link ExifOrientation}.
     */
    public ImageDecoder withExifOrientation(boolean apply) {
        return new ImageDecoder(maxPixels, maxFileBytes, apply);
    }

    /** The limit on {@code width * height}. */
    public long maxPixels() {
        return maxPixels;
    }

    /** The limit on the encoded size in bytes. */
    public long maxFileBytes() {
        return maxFileBytes;
    }

    /** Whether EXIF orientation is applied. */
    public boolean appliesExifOrientation() {
        return applyExifOrientation;
    }

    /**
     * Decodes a file.
     *
     * @throws ImageDecodeException if the file is missing, too large, or not a decodable image
     */
    public RgbImage decode(Path file) throws ImageDecodeException {
        String name = file.toString();
        byte[] data;
        try {
            if (Files.isDirectory(file)) {
                throw new ImageDecodeException(name, Reason.UNREADABLE, "is a directory, not an image file");
            }
            if (Files.isRegularFile(file)) {
                long size = Files.size(file);
                if (size > maxFileBytes) {
                    throw new ImageDecodeException(name, Reason.TOO_LARGE, "file is " + size + " bytes, over the limit of "
                            + maxFileBytes + " bytes");
                }
                data = Files.readAllBytes(file);
            } else { // a device or pipe has no size: read at most the limit
                try (java.io.InputStream in = Files.newInputStream(file)) {
                    data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxFileBytes + 1));
                }
                if (data.length > maxFileBytes) {
                    throw new ImageDecodeException(name, Reason.TOO_LARGE, "more than the limit of " + maxFileBytes + " bytes");
                }
            }
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(name, Reason.UNREADABLE, "file not found", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ImageDecodeException(name, Reason.UNREADABLE, "permission denied", e);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageDecodeException(name, Reason.UNREADABLE, "cannot read file: " + e.getMessage(), e);
        }
        return decode(data, name);
    }

    /**
     * Decodes from a stream (read fully, up to the file size limit; the stream is not closed).
     *
     * @param name used in error messages
     */
    public RgbImage decode(InputStream in, String name) throws ImageDecodeException {
        byte[] data;
        try {
            data = in.readNBytes((int) maxFileBytes + 1);
        } catch (IOException e) {
            throw new ImageDecodeException(name, Reason.UNREADABLE, "cannot read: " + e.getMessage(), e);
        }
        if (data.length > maxFileBytes) {
            throw new ImageDecodeException(name, Reason.TOO_LARGE, "data is over the limit of " + maxFileBytes + " bytes");
        }
        return decode(data, name);
    }

    /**
     * Decodes encoded image bytes (PNG, JPEG, ...; the array is not modified or retained).
     *
     * @param name used in error messages, e.g. the file name or "image_url #2"
     */
    public RgbImage decode(byte[] data, String name) throws ImageDecodeException {
        return decode(data, name, pixels -> { });
    }

    /**
     * The checks of encoded data that need no decoding: not empty, within {@link #maxFileBytes()}.
     * {@link #decode(byte[], String)} makes them too; a caller that decodes later (a server holding
     * a queued request's pictures encoded) can refuse bad data at once.
     */
    public void checkEncodedSize(byte[] data, String name) throws ImageDecodeException {
        if (data.length == 0) {
            throw new ImageDecodeException(name, Reason.CORRUPT, "empty file");
        }
        if (data.length > maxFileBytes) {
            throw new ImageDecodeException(name, Reason.TOO_LARGE, "data is " + data.length + " bytes, over the limit of "
                    + maxFileBytes + " bytes");
        }
    }

    /**
     * {@link #decode(byte[], String)} that first tells {@code admit} how many pixels the image has,
     * once its header has been read and checked and before its pixels are decoded (a server counts
     * them against a memory budget there; it may throw an unchecked exception to refuse the image,
     * which then propagates unchanged). For a GIF whose frame is composed onto a larger logical
     * screen it is the larger of the two.
     */
    public RgbImage decode(byte[] data, String name, java.util.function.LongConsumer admit) throws ImageDecodeException {
        java.util.Objects.requireNonNull(admit, "admit");
        checkEncodedSize(data, name);
        PngInfo png = PngInfo.parse(data);
        if (png != null && (png.width() == 0 || png.height() == 0)) {
            // the JDK reader only says "I/O error reading PNG header"
            throw new ImageDecodeException(name, Reason.ZERO_SIZE,
                    "zero-size PNG image (" + png.width() + "x" + png.height() + ")");
        }
        // Pillow ignores embedded ICC profiles; the JDK JPEG reader would convert to sRGB with them.
        byte[] input = JpegSegments.withoutIccProfiles(data);
        List<ImageReader> readers = findReaders(input);
        if (readers.isEmpty()) {
            throw new ImageDecodeException(name, Reason.UNKNOWN_FORMAT, "unknown or unsupported image format (first bytes: "
                    + HexFormat.ofDelimiter(" ").formatHex(data, 0, Math.min(8, data.length)) + ")");
        }
        ImageDecodeException first = null;
        for (ImageReader reader : readers) {
            try {
                RgbImage rgb = decodeWith(reader, input, png, name, admit);
                return applyExifOrientation ? ExifOrientation.apply(rgb, ExifOrientation.read(data)) : rgb;
            } catch (ImageDecodeException e) {
                if (e.reason() == Reason.TOO_LARGE || e.reason() == Reason.ZERO_SIZE) {
                    throw e; // the size is what it is; another reader will not change it
                }
                if (first == null) {
                    first = e;
                }
            } finally {
                reader.dispose();
            }
        }
        throw first;
    }

    /** All registered readers that recognise the content, in registry order. */
    private static List<ImageReader> findReaders(byte[] data) {
        List<ImageReader> list = new ArrayList<>();
        try (ByteArrayImageInputStream probe = new ByteArrayImageInputStream(data)) {
            Iterator<ImageReader> it = ImageIO.getImageReaders(probe);
            while (it.hasNext()) {
                list.add(it.next());
            }
        } catch (IOException | RuntimeException e) {
            // a broken service provider must not hide the others; treat as "no reader"
        }
        return list;
    }

    /** Decodes frame 0 with one reader: header, limits, pixels, truncation check, RGB conversion. */
    private RgbImage decodeWith(ImageReader reader, byte[] data, PngInfo png, String name, java.util.function.LongConsumer admit)
            throws ImageDecodeException {
        String format = formatName(reader);
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener(new IIOReadWarningListener() {
            @Override
            public void warningOccurred(ImageReader source, String warning) {
                warnings.add(warning);
            }
        });
        reader.setInput(new ByteArrayImageInputStream(data), true, false);
        int w;
        int h;
        GifCanvas canvas = null;
        try {
            w = reader.getWidth(0);
            h = reader.getHeight(0);
            if (format.equals("GIF") && w > 0 && h > 0) {
                canvas = GifCanvas.of(reader, w, h);
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(name, Reason.CORRUPT, "corrupt or truncated " + format + " header: "
                    + describe(e), e);
        }
        checkSize(name, format + " image", w, h);
        long pixels = (long) w * h;
        if (canvas != null && canvas.needsCompose(w, h)) {
            checkSize(name, format + " logical screen", canvas.width(), canvas.height());
            pixels = Math.max(pixels, (long) canvas.width() * canvas.height());
        }
        admit.accept(pixels);
        BufferedImage img;
        try {
            img = reader.read(0);
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(name, Reason.CORRUPT, "corrupt or truncated " + format + " data: "
                    + describe(e), e);
        }
        for (String warning : warnings) {
            if (isTruncationWarning(warning)) {
                throw new ImageDecodeException(name, Reason.CORRUPT, "truncated " + format + " data (" + warning + ")");
            }
        }
        if (img == null || img.getWidth() != w || img.getHeight() != h) {
            throw new ImageDecodeException(name, Reason.CORRUPT, format + " decoder returned "
                    + (img == null ? "no image" : img.getWidth() + "x" + img.getHeight())
                    + " for a header of " + w + "x" + h);
        }
        byte[] rgb = RasterConverter.toRgb(img, png);
        if (canvas != null && canvas.needsCompose(w, h)) {
            int fill = 0;
            if (img.getColorModel() instanceof IndexColorModel icm && canvas.fillIndex() < icm.getMapSize()) {
                fill = icm.getRGB(canvas.fillIndex()) & 0xFFFFFF;
            }
            return new RgbImage(canvas.width(), canvas.height(), canvas.compose(rgb, w, h, fill), true);
        }
        return new RgbImage(w, h, rgb, true);
    }

    private void checkSize(String name, String what, int w, int h) throws ImageDecodeException {
        if (w <= 0 || h <= 0) {
            throw new ImageDecodeException(name, Reason.ZERO_SIZE, "zero-size " + what + " (" + w + "x" + h + ")");
        }
        long pixels = (long) w * h;
        if (pixels > maxPixels) {
            throw new ImageDecodeException(name, Reason.TOO_LARGE, what + " is " + w + "x" + h + " = " + pixels
                    + " pixels, over the limit of " + maxPixels + " pixels");
        }
    }

    /**
     * Decoder warnings that mean the data ended early. The JDK JPEG reader reports a file cut short
     * as "Premature end of JPEG file" and pads the rest with grey; Pillow raises instead. Other
     * libjpeg warnings (e.g. extraneous bytes before a marker) are tolerated, as in Pillow.
     */
    private static boolean isTruncationWarning(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("premature end of jpeg file") || w.contains("missing eoi") || w.contains("truncated");
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return "image";
        }
    }

    /** The message of {@code e} and of its causes ("Error reading PNG image data: Unexpected end of ZLIB input stream"). */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null || m.isBlank()) {
                m = t instanceof java.io.EOFException ? "the data ends early" : t.getClass().getSimpleName();
            }
            if (sb.indexOf(m) < 0) {
                sb.append(sb.isEmpty() ? "" : ": ").append(m);
            }
        }
        return sb.toString();
    }
}
