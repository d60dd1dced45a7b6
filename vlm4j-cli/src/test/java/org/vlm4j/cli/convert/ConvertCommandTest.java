package org.vlm4j.cli.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.cli.Cli;
import org.vlm4j.convert.TinyHf;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.gguf.GgufFile;

/** {@code vlm4j convert} on the tiny fixture checkpoint, and its error reporting. */
class ConvertCommandTest {
    @TempDir
    Path tmp;

    @Test
    void convertsWithProgressAndPrintsThePaths() throws Exception {
        Path hf = TinyHf.bf16(tmp.resolve("tiny"));
        Cli c = Cli.run("convert", hf.toString(), "--out", tmp.resolve("out").toString(), "--type", "q8_0");
        assertEquals(0, c.status(), c.toString());
        assertTrue(c.err().contains("tiny-q8_0.gguf") && c.err().contains("100%"), c.err());
        Path text = tmp.resolve("out/tiny-q8_0.gguf");
        assertTrue(c.out().contains(text.toString()) && c.out().contains("mmproj-tiny-f16.gguf"), c.out());
        try (GgufFile g = GgufFile.open(text)) {
            assertEquals(GgmlType.Q8_0, g.tensor("token_embd.weight").type());
        }
        // the files exist now: converting again needs --force, as synth does
        long size = java.nio.file.Files.size(text);
        Cli again = Cli.run("convert", hf.toString(), "--out", tmp.resolve("out").toString(), "--type", "q8_0", "-q");
        assertEquals(1, again.status(), again.toString());
        assertTrue(again.err().contains("already exists (use --force"), again.err());
        assertEquals(size, java.nio.file.Files.size(text));
        assertEquals(0, Cli.run("convert", hf.toString(), "--out", tmp.resolve("out").toString(), "--type", "q8_0", "-q", "--force")
                .status());
    }

    @Test
    void errorsAreOneLineWithoutStackTraces() throws Exception {
        Cli c = Cli.run("convert", tmp.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(1, c.status());
        assertTrue(c.err().contains("config.json"), c.err());
        assertFalse(c.hasStackTrace() || c.err().contains("looks like a bug"), c.err());
        Path hf = TinyHf.bf16(tmp.resolve("t2"));
        Files.write(hf.resolve("model.safetensors"), new byte[] {1, 2, 3});
        c = Cli.run("convert", hf.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(1, c.status());
        assertTrue(c.err().contains("model.safetensors") && c.err().contains("too short"), c.err());
        assertFalse(c.err().contains("looks like a bug"), c.err());
        c = Cli.run("convert", hf.toString(), "--out", tmp.resolve("o").toString(), "--type", "q5_k");
        assertEquals(2, c.status(), "an unknown type is a usage error");
        assertTrue(c.err().contains("q5_k"), c.err());
        c = Cli.run("convert", hf.toString(), "--out", tmp.resolve("o").toString(), "--name", "../../escape");
        assertEquals(2, c.status(), c.toString());
        assertTrue(c.err().contains("path separator"), c.err());
        assertFalse(Files.exists(tmp.getParent().resolve("escape-q8_0.gguf")), "nothing written outside --out");
    }

    @Test
    void pullOfflineWithoutCacheIsAClearError() {
        Cli c = Cli.run("pull", "some/model", "--offline", "--type", "q8_0");
        // VLM4J_HOME is the user's; this repo id cannot be cached there
        assertEquals(1, c.status(), c.toString());
        assertTrue(c.err().contains("--offline") && c.err().contains("some/model"), c.err());
    }
}
