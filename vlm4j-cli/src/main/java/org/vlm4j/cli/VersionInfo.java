package org.vlm4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The text of {@code vlm4j --version}: the project version (from the Maven descriptor that the
 * build puts into the jar; "dev" when running from classes) and the Java runtime.
 */
public final class VersionInfo implements IVersionProvider {
    private static final String POM_PROPERTIES = "/META-INF/maven/org.vlm4j/vlm4j-cli/pom.properties";

    /** The vlm4j version, or "dev" outside a built jar. */
    public static String version() {
        try (InputStream in = VersionInfo.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v.strip();
                }
            }
        } catch (IOException e) {
            // fall through to "dev"
        }
        return "dev";
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "vlm4j " + version(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor", "?") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        };
    }
}
