package org.vlm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.vlm4j.gguf.GgufFixtures;

/**
 * The core's test fixtures (tiny models, images, llama.cpp goldens; see their SOURCES.md) as file
 * paths for command lines, and the golden values the CLI tests compare with.
 */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    /** The tiny F32 text model. */
    public static Path text(Path tmp) {
        return GgufFixtures.path(GgufFixtures.TEXT_F32, tmp);
    }

    /** The tiny F32 vision model. */
    public static Path vision(Path tmp) {
        return GgufFixtures.path(GgufFixtures.MMPROJ_F32, tmp);
    }

    /** An image of fixtures/images (img448.png, img640x480.png, img300x200.png, ...). */
    public static Path image(String name, Path tmp) {
        return resource("/fixtures/images/" + name, tmp);
    }

    /** A golden of fixtures/tiny/text (M1.f32.json, T1.f32.json, ...). */
    public static JsonNode golden(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/tiny/text/" + name)) {
            if (in == null) {
                throw new IllegalStateException("golden " + name + " not on the test class path");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON array of numbers as ints. */
    public static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    /** Parses one JSON object. */
    public static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + s, e);
        }
    }

    /** A class-path resource as a file (copied into {@code tmp} when it lives in a jar). */
    public static Path resource(String name, Path tmp) {
        URL url = Fixtures.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException(name + " not on the test class path");
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            Path out = tmp.resolve(Path.of(name).getFileName().toString());
            try (InputStream in = url.openStream()) {
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
