package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * The web page in headless Chromium (driven over the DevTools protocol): attach an image with the
 * file picker, ask, see the streamed answer rendered (the golden greedy text), save a screenshot to
 * {@code target/browser-chat.png}; the Markdown renderer escapes HTML. Skipped when no Chromium is
 * installed ({@code apt-get install -y chromium}); another binary can be named with the system
 * property {@code vlm4j.chromium}.
 */
class WebPageBrowserTest {
    /**
     * Chromium's profile. Not a JUnit {@code @TempDir}: JUnit deletes that once, right after the
     * test, and Chromium's helper processes could still be writing into it (the CI run of
     * 2026-11-28 10:10 failed on "Default" that way); {@link #stop} ends the whole process tree
     * first, then {@link #deleteTree} retries for a few seconds.
     */
    private Path profile;

    static String chromium() {
        String p = System.getProperty("vlm4j.chromium");
        if (p != null) {
            return p;
        }
        for (String c : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            if (OpenAiNodeClientTest.commandWorks(c, "--version")) {
                return c;
            }
        }
        return null;
    }

    @Test
    void attachAskAndSeeTheStreamedAnswer() throws Exception {
        String browser = chromium();
        assumeTrue(browser != null, "no chromium installed");
        profile = Files.createTempDirectory("vlm4j-chromium-");
        try (VisionLanguageModel model = TestSupport.loadModel();
                VlmServer server = VlmServer.start(TestSupport.config(), model)) {
            Process chrome = new ProcessBuilder(browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1100,800",
                    TestSupport.base(server) + "/").redirectErrorStream(true).start();
            try {
                String ws = devToolsPage(chrome);
                try (CdpClient cdp = new CdpClient(ws)) {
                    waitFor(cdp, "document.readyState === 'complete' && !!window.vlm4j");
                    String dataUrl = TestSupport.dataUrl("img448.png");
                    cdp.eval("(async () => { const b = await (await fetch('" + dataUrl + "')).blob();"
                            + " const dt = new DataTransfer(); dt.items.add(new File([b], 'img448.png', {type: 'image/png'}));"
                            + " const f = document.getElementById('file'); f.files = dt.files;"
                            + " f.dispatchEvent(new Event('change')); return true; })()");
                    waitFor(cdp, "document.querySelectorAll('#previews img').length === 1");
                    cdp.eval("document.getElementById('max-tokens').value = '32'; document.getElementById('temperature').value = '0';"
                            + " document.getElementById('input').value = 'Describe the image.';"
                            + " document.getElementById('send').click(); true");
                    waitFor(cdp, "!!document.querySelector('.msg.assistant[data-done]')");
                    JsonNode done = cdp.eval("document.querySelector('.msg.assistant').dataset.done");
                    assertEquals("true", done.asText());
                    String shown = cdp.eval("document.querySelector('.msg.assistant .text').textContent").asText();
                    assertEquals(TestSupport.goldenText("M1"), shown);
                    assertEquals(1, cdp.eval("document.querySelectorAll('.msg.user img').length").asInt(), "the image is in the chat");
                    assertTrue(cdp.eval("document.getElementById('speed').textContent").asText().contains("tok/s"));
                    // a refused message (a file that is no image) leaves the chat and comes back into the input;
                    // the next message is answered as if it had not been sent
                    cdp.eval("(() => { const dt = new DataTransfer(); dt.items.add(new File(['not an image'], 'bad.png', {type: 'image/png'}));"
                            + " const f = document.getElementById('file'); f.files = dt.files;"
                            + " f.dispatchEvent(new Event('change')); return true; })()");
                    waitFor(cdp, "document.querySelectorAll('#previews img').length === 1");
                    cdp.eval("document.getElementById('input').value = 'What is this?'; document.getElementById('send').click(); true");
                    waitFor(cdp, "document.querySelectorAll('.msg.assistant[data-done]').length === 2");
                    assertEquals("error", cdp.eval("document.querySelectorAll('.msg.assistant')[1].dataset.done").asText());
                    assertTrue(cdp.eval("document.querySelectorAll('.msg.assistant')[1].textContent").asText().contains("not kept"));
                    assertEquals("What is this?", cdp.eval("document.getElementById('input').value").asText(), "the text is back");
                    assertEquals(1, cdp.eval("document.querySelectorAll('#previews img').length").asInt(), "the image is back");
                    cdp.eval("document.getElementById('input').value = 'Hi'; document.querySelector('#previews button').click(); true");
                    waitFor(cdp, "document.querySelectorAll('#previews img').length === 0");
                    cdp.eval("document.getElementById('send').click(); true");
                    waitFor(cdp, "document.querySelectorAll('.msg.assistant[data-done]').length === 3");
                    assertEquals("true", cdp.eval("document.querySelectorAll('.msg.assistant')[2].dataset.done").asText(),
                            "the message after the refused one is answered");
                    // Markdown: HTML is escaped, only http(s) links become links
                    String html = cdp.eval("window.vlm4j.renderMarkdown('<img src=x onerror=alert(1)> **b** `c` [x](javascript:alert(1)) [y](https://e.org)')")
                            .asText();
                    assertTrue(html.contains("&lt;img"), html);
                    assertTrue(!html.contains("<img"), html);
                    assertTrue(html.contains("<strong>b</strong>") && html.contains("<code>c</code>"), html);
                    assertTrue(!html.contains("href=\"javascript"), html);
                    assertTrue(html.contains("<a href=\"https://e.org\""), html);
                    JsonNode shot = cdp.send("Page.captureScreenshot", null);
                    Path png = Path.of("target", "browser-chat.png");
                    Files.createDirectories(png.getParent());
                    Files.write(png, Base64.getDecoder().decode(shot.get("data").asText()));
                    assertTrue(Files.size(png) > 1000);
                }
            } finally {
                stop(chrome);
            }
        } finally {
            deleteTree(profile);
        }
    }

    /** Ends Chromium and every process it started (renderers, GPU, crash handler), waiting for each. */
    static void stop(Process chrome) throws InterruptedException {
        List<ProcessHandle> tree = new java.util.ArrayList<>(chrome.descendants().toList());
        chrome.destroy();
        tree.forEach(ProcessHandle::destroy);
        if (!chrome.waitFor(10, TimeUnit.SECONDS)) {
            chrome.destroyForcibly();
        }
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
    }

    /** Deletes a directory tree, retrying for up to 5 s while something still writes into it. */
    static void deleteTree(Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.nio.file.NoSuchFileException gone) {
                return;
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** The DevTools WebSocket URL of the page Chromium opened. */
    static String devToolsPage(Process chrome) throws Exception {
        java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(chrome.getInputStream()));
        String port = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String line; port == null && (line = err.readLine()) != null; ) {
            int at = line.indexOf("ws://127.0.0.1:");
            if (at >= 0) {
                String rest = line.substring(at + "ws://127.0.0.1:".length());
                port = rest.substring(0, rest.indexOf('/'));
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        assumeTrue(port != null, "chromium did not start a DevTools endpoint");
        Thread drain = new Thread(() -> {
            try {
                err.transferTo(java.io.Writer.nullWriter());
            } catch (java.io.IOException ignored) {
                // browser gone
            }
        });
        drain.setDaemon(true);
        drain.start();
        for (int i = 0; i < 100; i++) {
            String list = TestSupport.HTTP.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            for (JsonNode t : TestSupport.JSON.readTree(list)) {
                if ("page".equals(t.get("type").asText())) {
                    return t.get("webSocketDebuggerUrl").asText();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no page target");
    }

    static void waitFor(CdpClient cdp, String condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonNode v = cdp.eval("(() => { try { return !!(" + condition + "); } catch (e) { return false; } })()");
            if (v != null && v.asBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + condition);
    }
}
