package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vlm4j.server.TestSupport.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vlm4j.chat.VisionLanguageModel;

/**
 * A client nobody here wrote: the official {@code openai} npm package, streamed and not, with an
 * image, against the server; its answers equal the golden greedy text. Skipped unless node is on
 * the PATH and the package is installed in {@code target/openai-client} (CI:
 * {@code npm install --prefix vlm4j-server/target/openai-client openai@4}) or in the directory named
 * by the system property {@code vlm4j.openaiClientDir}.
 */
class OpenAiNodeClientTest {

    @Test
    void officialClientStreamsAndCompletesWithAnImage() throws Exception {
        Path dir = Path.of(System.getProperty("vlm4j.openaiClientDir", "target/openai-client")).toAbsolutePath();
        assumeTrue(Files.isDirectory(dir.resolve("node_modules/openai")), "openai npm package not installed in " + dir);
        assumeTrue(commandWorks("node", "--version"), "node is not available");
        Path script = dir.resolve("check.mjs");
        try (InputStream in = OpenAiNodeClientTest.class.getResourceAsStream("/openai-client/check.mjs")) {
            Files.write(script, in.readAllBytes());
        }
        Path image = dir.resolve("image.txt");
        Files.writeString(image, TestSupport.dataUrl("img448.png"));
        try (VisionLanguageModel model = TestSupport.loadModel();
                VlmServer server = VlmServer.start(TestSupport.config().withApiKey("test-key"), model)) {
            Process p = new ProcessBuilder("node", script.toString(), TestSupport.base(server) + "/v1", image.toString())
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            boolean done = p.waitFor(90, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!done) {
                p.destroyForcibly();
                throw new AssertionError("node client timed out: " + out);
            }
            assertEquals(0, p.exitValue(), out);
            String lastLine = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
            JsonNode r = JSON.readTree(lastLine);
            String golden = TestSupport.goldenText("M1");
            assertEquals("tiny-f32", r.get("model").asText());
            assertEquals(golden, r.get("text").asText());
            assertEquals("stop", r.get("finish").asText());
            assertEquals(14, r.get("usage").get("completion_tokens").asInt());
            assertEquals(golden, r.get("streamed").asText());
            assertEquals("stop", r.get("streamFinish").asText());
            assertEquals(425, r.get("streamUsage").get("prompt_tokens").asInt());
            assertEquals(400, r.get("error").get("status").asInt(), out);
            assertEquals("n", r.get("error").get("param").asText(), out);
        }
    }

    static boolean commandWorks(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
