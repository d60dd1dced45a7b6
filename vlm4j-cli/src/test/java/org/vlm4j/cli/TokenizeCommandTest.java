package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.gguf.GgufFixtures;

/** {@code vlm4j tokenize} against the ids llama.cpp gave for the fixture prompts (fixture README §3). */
class TokenizeCommandTest {
    @TempDir
    static Path tmp;

    static final String T1 = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            + "Hello, who are you?<|im_end|>\n<|im_start|>assistant\n";
    static final String T1_IDS = "[4097,82,612,198,2610,525,264,1492,1262,1071,380,517,13,4098,198,4097,872,198,39,301,"
            + "385,11,879,525,498,30,4098,198,4097,395,380,517,198]";

    @Test
    void textArgumentWithSpecialTokens() {
        Cli r = Cli.run("tokenize", "-m", GgufFixtures.path(GgufFixtures.TEXT_F32, tmp).toString(), T1);
        assertEquals(0, r.status(), r.toString());
        assertEquals(T1_IDS + "\n", r.out());
    }

    @Test
    void fileIsReadVerbatimAndPiecesDecode() throws Exception {
        Path f = Files.writeString(tmp.resolve("p.txt"), "The quick brown fox", StandardCharsets.UTF_8);
        Cli r = Cli.run("tokenize", "-m", GgufFixtures.path(GgufFixtures.TEXT_F32, tmp).toString(), "--file", f.toString());
        assertEquals("[785,3974,293,651,77,282,78,87]\n", r.out());
        Cli p = Cli.run("tokenize", "-m", GgufFixtures.path(GgufFixtures.TEXT_F32, tmp).toString(), "--pieces", "The quick");
        assertEquals(0, p.status(), p.toString());
        assertTrue(p.out().startsWith("[[785, \"The\"], "), p.out());
    }

    @Test
    void errors() {
        Cli missing = Cli.run("tokenize", "-m", tmp.resolve("nope.gguf").toString(), "x");
        assertEquals(Main.EXIT_ERROR, missing.status());
        assertTrue(missing.err().contains("nope.gguf"), missing.err());
        Cli noText = Cli.run("tokenize", "-m", GgufFixtures.path(GgufFixtures.TEXT_F32, tmp).toString());
        assertEquals(Main.EXIT_USAGE, noText.status());
    }
}
