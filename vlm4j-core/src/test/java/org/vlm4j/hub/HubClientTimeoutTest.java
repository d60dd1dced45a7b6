package org.vlm4j.hub;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub that stops answering does not hang {@code pull}: no headers within the header timeout, or
 * a body that stops sending for the idle timeout, is an error (a stalled download is retried, then
 * given up). Local sockets only, with timeouts of a second.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HubClientTimeoutTest {
    @TempDir
    Path tmp;

    /** Accepts connections and, for each, sends {@code reply} (may be empty), then holds the socket open. */
    private static ServerSocket stallingServer(String reply, List<Socket> held) throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Socket s = ss.accept();
                    held.add(s);
                    OutputStream out = s.getOutputStream();
                    out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (Exception closed) {
                // server closed
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }

    private static void close(ServerSocket ss, List<Socket> held) throws Exception {
        ss.close();
        for (Socket s : new ArrayList<>(held)) {
            s.close();
        }
    }

    @Test
    void noHeadersIsAnErrorAfterTheHeaderTimeout() throws Exception {
        List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        ServerSocket ss = stallingServer("", held);
        try {
            HubClient c = new HubClient("http://127.0.0.1:" + ss.getLocalPort(), null, Duration.ofSeconds(1), Duration.ofSeconds(1));
            HubException e = assertThrows(HubException.class, () -> c.listFiles("a/b", "main"));
            assertTrue(e.getMessage().contains("did not answer within 1 s"), e.getMessage());
        } finally {
            close(ss, held);
        }
    }

    @Test
    void aBodyThatStallsIsAnErrorAfterTheIdleTimeout() throws Exception {
        List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        // headers promise 1000 bytes, 5 arrive, then nothing
        ServerSocket ss = stallingServer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"si", held);
        try {
            HubClient c = new HubClient("http://127.0.0.1:" + ss.getLocalPort(), null, Duration.ofSeconds(5), Duration.ofSeconds(1));
            HubException e = assertThrows(HubException.class, () -> c.listFiles("a/b", "main"));
            assertTrue(e.getMessage().contains("no data for 1 s"), e.getMessage());
            long t0 = System.nanoTime();
            e = assertThrows(HubException.class, () -> c.download("a/b", "main", "x.gguf", tmp.resolve("x.gguf"), (f, d, t) -> { }));
            assertTrue(e.getMessage().contains("no data for 1 s") && e.getMessage().contains("attempts"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "gave up after its attempts");
        } finally {
            close(ss, held);
        }
    }

    @Test
    void aBadEndpointIsNamed() {
        for (String ep : new String[] {"ftp://example.org", "no-scheme", "http://[::1"}) {
            HubClient c = new HubClient(ep, null, Duration.ofSeconds(1), Duration.ofSeconds(1));
            HubException e = assertThrows(HubException.class, () -> c.listFiles("a/b", "main"));
            assertTrue(e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
        }
    }
}
