package org.vlm4j.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vlm4j.vision.ImageDecodeException;
import org.vlm4j.vision.ImageDecoder;
import org.vlm4j.vision.RgbImage;

/**
 * Turns the {@code url} of an {@code image_url} content part into an encoded image (decoded into
 * pixels later, when its turn is computed, see {@link #decode}): {@code data:image/...;base64,}
 * URLs always, {@code http(s)} URLs only when remote images are allowed, and then within a size and
 * a time limit. Every failure is a 400 naming the field.
 */
final class ImageLoader {
    private final ImageDecoder decoder;
    private final ServerConfig config;
    private volatile HttpClient http;

    ImageLoader(ImageDecoder decoder, ServerConfig config) {
        this.decoder = decoder;
        this.config = config;
    }

    /** The encoded image at {@code url} (fetched or taken from the data URL), not decoded yet. */
    ChatRequest.Image load(String url, String param) {
        byte[] data;
        String name;
        String lower = url.length() > 16 ? url.substring(0, 16).toLowerCase(Locale.ROOT) : url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            data = decodeDataUrl(url, param);
            name = param;
        } else if (lower.startsWith("http://") || lower.startsWith("https://")) {
            if (!config.allowRemoteImages()) {
                throw new ApiException(400, "invalid_request_error", param, "remote_images_disabled",
                        "remote image URLs are disabled on this server: send the image as a data:image/...;base64, URL"
                                + " (or start the server with --allow-remote-images)");
            }
            data = fetch(url, param);
            name = url;
        } else {
            throw ApiException.invalid(param, "'" + param + "' must be a data:image/...;base64, URL"
                    + (config.allowRemoteImages() ? " or an http(s) URL" : ""));
        }
        try {
            decoder.checkEncodedSize(data, name); // the rest is checked when the picture is decoded
        } catch (ImageDecodeException e) {
            throw invalidImage(param, e);
        }
        return new ChatRequest.Image(data, name, param, digest(data));
    }

    /**
     * Decodes the images of one message, each counted against {@code allowance} before its pixels
     * are decoded; the same picture twice (same bytes) is decoded and counted once.
     */
    List<RgbImage> decode(List<ChatRequest.Image> images, ImageBudget.Allowance allowance) {
        List<RgbImage> out = new ArrayList<>(images.size());
        Map<String, RgbImage> seen = new HashMap<>();
        for (ChatRequest.Image img : images) {
            RgbImage rgb = seen.get(img.digest());
            if (rgb == null) {
                try {
                    rgb = decoder.decode(img.data(), img.name(), allowance.forImage(img.param()));
                } catch (ImageDecodeException e) {
                    throw invalidImage(img.param(), e);
                }
                seen.put(img.digest(), rgb);
            }
            out.add(rgb);
        }
        return out;
    }

    private static byte[] decodeDataUrl(String url, String param) {
        int comma = url.indexOf(',');
        if (comma < 0) {
            throw ApiException.invalid(param, "'" + param + "' is a data URL without a ',' before the data");
        }
        String meta = url.substring(5, comma).toLowerCase(Locale.ROOT);
        if (!meta.startsWith("image/")) {
            throw ApiException.invalid(param, "'" + param + "' must be an image data URL (data:image/...), got data:" + abbreviate(meta));
        }
        if (!meta.endsWith(";base64")) {
            throw ApiException.invalid(param, "'" + param + "' must be base64 encoded (data:image/...;base64,...)");
        }
        // line breaks and spaces are skipped (some clients wrap the data); any other character outside
        // the base64 alphabet is an error (the MIME decoder would drop it silently)
        String b64 = url.substring(comma + 1);
        StringBuilder clean = new StringBuilder(b64.length());
        for (int i = 0; i < b64.length(); i++) {
            char c = b64.charAt(i);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                clean.append(c);
            }
        }
        try {
            return Base64.getDecoder().decode(clean.toString().getBytes(StandardCharsets.ISO_8859_1));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(param, "'" + param + "' has invalid base64 data: " + e.getMessage());
        }
    }

    private byte[] fetch(String url, String param) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(param, "'" + param + "' is not a valid URL: " + e.getMessage());
        }
        HttpClient client = client();
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(config.remoteImageTimeoutMillis())).GET().build();
        long limit = config.remoteImageMaxBytes();
        try {
            HttpResponse<InputStream> res = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = res.body()) {
                if (res.statusCode() != 200) {
                    throw ApiException.invalid(param, "'" + param + "': fetching the image gave HTTP " + res.statusCode());
                }
                long declared = res.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared > limit) {
                    throw tooLarge(param, limit);
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[65536];
                long deadline = System.nanoTime() + config.remoteImageTimeoutMillis() * 1_000_000L;
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (out.size() + (long) n > limit) {
                        throw tooLarge(param, limit);
                    }
                    if (System.nanoTime() > deadline) {
                        throw ApiException.invalid(param, "'" + param + "': fetching the image took longer than "
                                + config.remoteImageTimeoutMillis() + " ms");
                    }
                    out.write(buf, 0, n);
                }
                return out.toByteArray();
            }
        } catch (java.net.http.HttpTimeoutException e) {
            throw ApiException.invalid(param, "'" + param + "': fetching the image took longer than "
                    + config.remoteImageTimeoutMillis() + " ms");
        } catch (IOException e) {
            throw ApiException.invalid(param, "'" + param + "': could not fetch the image: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.invalid(param, "'" + param + "': interrupted while fetching the image");
        }
    }

    private static ApiException invalidImage(String param, ImageDecodeException e) {
        return new ApiException(400, "invalid_request_error", param, "invalid_image", "'" + param + "': " + e.detail());
    }

    private static ApiException tooLarge(String param, long limit) {
        return ApiException.invalid(param, "'" + param + "': the image is larger than the limit of " + limit + " bytes");
    }

    private HttpClient client() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                if (http == null) {
                    http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(config.remoteImageTimeoutMillis()))
                            .followRedirects(HttpClient.Redirect.NORMAL).build();
                }
                c = http;
            }
        }
        return c;
    }

    static String digest(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
