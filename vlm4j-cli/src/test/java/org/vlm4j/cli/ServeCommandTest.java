package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} refuses what it cannot do before it starts, with messages that say what is wrong. */
class ServeCommandTest {
    @TempDir
    static Path tmp;

    private static Cli serve(String... extra) {
        String[] base = {"serve", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(), "--no-warm-up"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Cli.run(all);
    }

    @Test
    void emptyKeyOrHostIsAUsageError() {
        Cli r = serve("--api-key", "");
        assertEquals(Main.EXIT_USAGE, r.status(), r.toString());
        assertTrue(r.err().contains("--api-key is empty"), r.err());
        r = serve("--host", " ");
        assertEquals(Main.EXIT_USAGE, r.status(), r.toString());
        assertTrue(r.err().contains("--host is empty"), r.err());
    }

    @Test
    void addressProblemsAreNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Cli r = serve("--port", String.valueOf(taken.getLocalPort()));
            assertEquals(Main.EXIT_ERROR, r.status(), r.toString());
            assertTrue(r.err().contains("port " + taken.getLocalPort() + " is already in use"), r.err());
            assertTrue(!r.err().contains("bug"), r.err());
        }
    }
}
