package org.vlm4j.gguf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Locates the tiny GGUF fixtures (copied from shared/fixtures/tiny/gguf, see SOURCES.md there).
 * Public so that tests of other modules (through the core test-jar) can reach them too.
 */
public final class GgufFixtures {
    public static final String TEXT_F32 = "tiny-f32.gguf";
    public static final String TEXT_Q8_0 = "tiny-q8_0.gguf";
    public static final String MMPROJ_F32 = "tiny-mmproj-f32.gguf";
    public static final String MMPROJ_F16 = "tiny-mmproj-f16.gguf";
    public static final String[] ALL = {TEXT_F32, TEXT_Q8_0, MMPROJ_F32, MMPROJ_F16};
    private static final String DIR = "/fixtures/tiny/gguf/";

    private GgufFixtures() {}

    /**
     * A file path for the fixture. When the fixture lives inside a jar (tests of another module),
     * it is copied to {@code tempDir} first.
     */
    public static Path path(String name, Path tempDir) {
        URL url = GgufFixtures.class.getResource(DIR + name);
        if (url == null) {
            throw new IllegalStateException("fixture " + DIR + name + " not on the test class path");
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            Path out = tempDir.resolve(name);
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

    /** The fixture's bytes. */
    public static byte[] bytes(String name) {
        try (InputStream in = GgufFixtures.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("fixture " + DIR + name + " not on the test class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
