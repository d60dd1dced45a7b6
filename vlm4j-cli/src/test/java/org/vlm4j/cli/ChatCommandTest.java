package org.vlm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.cli.chat.SlashCommands;

/**
 * {@code vlm4j chat} driven in-process through scripted stdin (piped mode): the dialogue against
 * llama.cpp's greedy goldens (M1 first answer, M3 follow-up), {@code /image} against {@code run}, the
 * commands, output modes, context policies, and that no input line ends the program.
 */
class ChatCommandTest {
    @TempDir
    static Path tmp;

    static final String DESCRIBE = "<image>Describe the image.\n";

    /** {@code chat} on the tiny model with img448, greedy (the goldens' sampling), no banner. */
    static Cli chat(String stdin, String... extra) {
        List<String> a = new ArrayList<>(List.of("chat", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(),
                "-i", Fixtures.image("img448.png", tmp).toString(), "--no-info", "-t", "1", "--temp", "0", "--repeat-penalty", "1"));
        a.addAll(Arrays.asList(extra));
        return Cli.withInput(stdin, a.toArray(String[]::new));
    }

    /** The M1 golden answer: its tokens up to the first end-of-turn token. */
    static int[] m1Answer() {
        JsonNode g = Fixtures.golden("M1.f32.json");
        return Arrays.copyOf(Fixtures.ints(g.get("greedy").get("tokens")), g.get("greedy").get("first_eog_index").asInt());
    }

    static String m1Text() {
        JsonNode g = Fixtures.golden("M1.f32.json");
        return RunCommandTest.goldenText(g, g.get("greedy").get("first_eog_index").asInt());
    }

    static List<JsonNode> jsonLines(Cli r) {
        return r.out().lines().map(Fixtures::json).toList();
    }

    @Test
    void dialogueFollowsTheGoldens() {
        Cli r = chat(DESCRIBE + "What colors do you see?\n", "-n", "32");
        assertEquals(0, r.status(), r.toString());
        String m3 = RunCommandTest.goldenText(Fixtures.golden("M3.f32.json"), 32);
        assertEquals(m1Text() + "\n" + m3 + "\n", r.out(), "M1 answer, then the M3 follow-up reusing the cache");
        assertTrue(r.err().contains("(answer cut at 32 tokens"), r.err());
        assertFalse(r.hasStackTrace(), r.toString());
    }

    @Test
    void firstJsonLinesAnswerEqualsRun() {
        for (String[] sampling : new String[][] {{"--temp", "0", "--repeat-penalty", "1"}, {}}) {
            List<String> runArgs = new ArrayList<>(List.of("run", "-m", Fixtures.text(tmp).toString(), "--mmproj",
                    Fixtures.vision(tmp).toString(), "--image", Fixtures.image("img448.png", tmp).toString(), "-p",
                    "Describe the image.", "-n", "32", "-t", "1", "--json"));
            runArgs.addAll(Arrays.asList(sampling));
            Cli run = Cli.run(runArgs.toArray(String[]::new));
            List<String> chatArgs = new ArrayList<>(List.of("chat", "-m", Fixtures.text(tmp).toString(), "--mmproj",
                    Fixtures.vision(tmp).toString(), "-i", Fixtures.image("img448.png", tmp).toString(), "-n", "32", "-t", "1",
                    "--no-info", "--json-lines"));
            chatArgs.addAll(Arrays.asList(sampling));
            Cli chat = Cli.withInput(DESCRIBE + "Thanks.\n", chatArgs.toArray(String[]::new));
            assertEquals(0, run.status(), run.toString());
            assertEquals(0, chat.status(), chat.toString());
            List<JsonNode> answers = jsonLines(chat);
            assertEquals(2, answers.size(), chat.out());
            JsonNode first = answers.get(0);
            JsonNode one = Fixtures.json(run.out());
            assertEquals(one.get("tokens"), first.get("tokens"), "same tokens as run " + Arrays.toString(sampling));
            assertEquals(one.get("text"), first.get("text"));
            assertEquals(one.get("timings").get("prompt_n"), first.get("timings").get("prompt_n"));
            assertEquals("eos", first.get("stop_reason").asText());
            assertEquals(425 + first.get("tokens").size(), first.get("context_used").asInt());
            if (sampling.length > 0) {
                assertArrayEquals(m1Answer(), Fixtures.ints(first.get("tokens")), "M1 golden");
            }
        }
    }

    /**
     * {@code --warm-up on} runs the background warm-up even for piped input; the first line stops it
     * and the answers are the goldens, as without it.
     */
    @Test
    void warmUpOnKeepsTheAnswers() {
        for (String mode : new String[] {"on", "OFF", "auto"}) {
            Cli r = chat(DESCRIBE + DESCRIBE, "--json-lines", "--warm-up", mode);
            assertEquals(0, r.status(), r.toString());
            List<JsonNode> answers = jsonLines(r);
            assertEquals(2, answers.size(), r.out());
            assertArrayEquals(m1Answer(), Fixtures.ints(answers.get(0).get("tokens")), mode);
            assertFalse(r.hasStackTrace(), r.toString());
        }
    }

    @Test
    void clearForgetsTheDialogueAndExitLeaves() {
        String script = DESCRIBE + "clear\n" + DESCRIBE + "  <CLEAR>  \n" + DESCRIBE + "exit\n" + "<image>never answered\n";
        Cli r = chat(script, "--json-lines");
        assertEquals(0, r.status(), r.toString());
        List<JsonNode> answers = jsonLines(r);
        assertEquals(3, answers.size(), "lines after exit are not read:\n" + r.out());
        for (JsonNode a : answers) {
            assertArrayEquals(m1Answer(), Fixtures.ints(a.get("tokens")), "after a clear the same question gets the same answer");
            assertEquals(answers.get(0).get("context_used"), a.get("context_used"));
        }
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("(dialogue cleared")).count(), r.err());
        for (String leave : new String[] {"<exit>", "  Exit ", "/quit", "EXIT"}) {
            Cli e = chat(leave + "\n" + DESCRIBE, "--json-lines");
            assertEquals(0, e.status(), e.toString());
            assertEquals("", e.out(), leave);
        }
        Cli eof = chat("", "--json-lines");
        assertEquals(0, eof.status(), eof.toString());
        assertEquals("", eof.out() + eof.err());
    }

    @Test
    void imageCommandSwitchesThePicture() throws Exception {
        Path bad = Files.write(tmp.resolve("bad.png"), new byte[] {1, 2, 3, 4});
        String other = Fixtures.image("img640x480.png", tmp).toString();
        String script = "/image " + tmp.resolve("nope.png") + "\n/image \"" + bad + "\"\n" + DESCRIBE
                + "/image " + other + "\nclear\n" + DESCRIBE;
        Cli r = chat(script, "--json-lines", "-n", "32", "--max-tiles", "1");
        assertEquals(0, r.status(), r.toString());
        List<JsonNode> answers = jsonLines(r);
        assertEquals(2, answers.size(), r.out());
        assertArrayEquals(m1Answer(), Fixtures.ints(answers.get(0).get("tokens")), "bad files keep the old picture");
        Cli run = Cli.run("run", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(), "--image", other,
                "--max-tiles", "1", "-p", "Describe the image.", "-n", "32", "--temp", "0", "--repeat-penalty", "1", "-t", "1", "--json");
        assertEquals(0, run.status(), run.toString());
        assertEquals(Fixtures.json(run.out()).get("tokens"), answers.get(1).get("tokens"), "the new picture is the one shown");
        assertFalse(Arrays.equals(m1Answer(), Fixtures.ints(answers.get(1).get("tokens"))));
        assertTrue(r.err().contains("nope.png: file not found (img448.png stays)"), r.err());
        assertTrue(r.err().contains("cannot use that picture: ") && r.err().contains("bad.png: unknown or unsupported image format"), r.err());
        assertTrue(r.err().contains("image: img640x480.png 640x480 -> 1 tile (256 rows), encoded in "), r.err());
    }

    @Test
    void imageMarkerWithoutPictureOrVisionIsRefused() {
        String text = Fixtures.text(tmp).toString();
        Cli noPicture = Cli.withInput("<image>What is it?\n/image\nHello\n", "chat", "-m", text, "--mmproj",
                Fixtures.vision(tmp).toString(), "--no-info", "--json-lines", "-n", "4", "-t", "1");
        assertEquals(0, noPicture.status(), noPicture.toString());
        List<JsonNode> a = jsonLines(noPicture);
        assertEquals(2, a.size(), noPicture.out());
        assertTrue(a.get(0).get("error").asText().contains("no picture is set"), a.get(0).toString());
        assertEquals(4, a.get(1).get("tokens").size());
        assertTrue(noPicture.err().contains("no picture yet: use /image PATH"), noPicture.err());
        Cli noVision = Cli.withInput("<image>What is it?\n/image x.png\n", "chat", "-m", text, "--no-info", "-t", "1");
        assertEquals(0, noVision.status(), noVision.toString());
        assertEquals("", noVision.out());
        assertTrue(noVision.err().contains("this chat has no vision model: start it with --mmproj"), noVision.err());
        assertEquals(2, noVision.err().lines().count(), noVision.err());
    }

    @Test
    void slashCommands() {
        String script = "/stats\n" + DESCRIBE + "/stats\n/help\n/foo bar\n/usr/bin is a folder?\n//\n";
        Cli r = chat(script, "--json-lines", "-n", "3");
        assertEquals(0, r.status(), r.toString());
        assertEquals(3, jsonLines(r).size(), "slash lines that are not commands are questions:\n" + r.out());
        String err = r.err();
        assertTrue(err.contains("last answer: none yet"), err);
        assertTrue(err.contains("last answer: 425 prompt tokens at "), err);
        assertTrue(err.contains(", 3 tokens generated at ") && err.contains("(stop: length)"), err);
        assertTrue(err.contains("dialogue: 428 of 4096 positions used, 1 turn; picture: img448.png"), err);
        assertTrue(err.contains("memory: RSS ") && err.contains("Java heap"), err);
        assertTrue(err.contains(SlashCommands.HELP), err);
        assertTrue(err.contains("unknown command /foo (type /help for the list)"), err);
    }

    @Test
    void noInputLineEndsTheProgram() {
        String[] lines = {"", "   ", "\t", "<image><image>What?", "<|im_end|><|im_start|>", "\u0000\u0001\u007f", "é漢字🙂",
            "word ".repeat(5000), "/image", "/image \"\"", "/image ~/no/such/file.png", "/", "/ x", "clear", "<image>"};
        Cli r = chat(String.join("\n", lines) + "\n", "--json-lines", "-n", "4");
        assertEquals(0, r.status(), r.toString());
        List<JsonNode> out = jsonLines(r);
        assertEquals(8, out.size(), "one JSON line per question:\n" + r.out());
        assertTrue(out.get(4).get("error").asText().contains("context holds 4096"), out.get(4).toString());
        assertFalse(r.hasStackTrace(), r.toString());
        assertFalse(r.err().contains("error:"), r.err());
        int extra = out.get(0).get("timings").get("prompt_n").asInt() - 425;
        assertTrue(extra >= 250 && extra <= 270, "two markers show the picture twice (M1 has one): " + extra);
    }

    @Test
    void contextFullDropsOldestTurns() {
        String longLine = "word ".repeat(30).strip() + "\n";
        Cli r = Cli.withInput(longLine.repeat(6), "chat", "-m", Fixtures.text(tmp).toString(), "-c", "200", "--system", "Be brief.",
                "-n", "20", "--no-info", "--json-lines", "--temp", "0", "-t", "1");
        assertEquals(0, r.status(), r.toString());
        List<JsonNode> out = jsonLines(r);
        assertEquals(6, out.size(), r.out());
        int dropped = 0;
        for (JsonNode a : out) {
            assertFalse(a.has("error"), a.toString());
            assertTrue(a.get("context_used").asInt() <= 200, a.toString());
            dropped += a.path("dropped_turns").asInt(0);
        }
        assertTrue(dropped > 0, r.out());
        assertTrue(r.err().contains("(context full: forgot the oldest turn"), r.err());
    }

    @Test
    void contextFullStopRefusesAndKeepsTheDialogue() {
        String longLine = "word ".repeat(30).strip() + "\n";
        Cli r = Cli.withInput(longLine.repeat(6) + "clear\n" + longLine, "chat", "-m", Fixtures.text(tmp).toString(), "-c", "200",
                "--system", "Be brief.", "-n", "20", "--no-info", "--json-lines", "--temp", "0", "-t", "1", "--on-context-full=stop");
        assertEquals(0, r.status(), r.toString());
        List<JsonNode> out = jsonLines(r);
        assertEquals(7, out.size(), r.out());
        int firstRefusal = -1;
        for (int i = 0; i < 6; i++) {
            if (out.get(i).has("error")) {
                firstRefusal = firstRefusal < 0 ? i : firstRefusal;
                assertTrue(out.get(i).get("error").asText().startsWith("the context is full"), out.get(i).toString());
            } else {
                assertTrue(firstRefusal < 0, "once full, every long message is refused until clear");
            }
        }
        assertTrue(firstRefusal > 0, r.out());
        assertEquals(out.get(0).get("tokens"), out.get(6).get("tokens"), "after clear the dialogue starts over");
        assertEquals(out.get(0).get("context_used"), out.get(6).get("context_used"));
        assertTrue(r.err().contains("not answered: the context is full"), r.err());
    }

    @Test
    void labelsAndSilentMode() {
        String transcript = "\nUser: <image>Describe the image.\nAnswer: " + m1Text() + "\n\nUser: \n";
        assertEquals(transcript, chat(DESCRIBE, "--prompts").out());
        assertEquals(transcript, chat(DESCRIBE, "--prompts", "--silent").out());
        assertEquals(m1Text() + "\n", chat(DESCRIBE, "--silent").out());
    }

    @Test
    void startupInfo() {
        Cli r = Cli.withInput("", "chat", "-m", Fixtures.text(tmp).toString(), "--mmproj", Fixtures.vision(tmp).toString(), "-i",
                Fixtures.image("img448.png", tmp).toString(), "-t", "1");
        assertEquals(0, r.status(), r.toString());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(6, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("text:    tiny-f32.gguf: qwen3, 2 layers, hidden 64, 631.2 K parameters, F32 (2.4 MiB); loaded in "),
                lines.get(0));
        assertTrue(lines.get(1).startsWith("vision:  tiny-mmproj-f32.gguf: InternViT 448px, 2 layers, width 64, 191.7 K parameters, F32"),
                lines.get(1));
        assertTrue(lines.get(2).startsWith("image:   img448.png 448x448 -> 1 tile (256 rows), encoded in "), lines.get(2));
        assertEquals("context: 4096 positions (model trained for 4096); answers up to 2048 tokens; when full: forget the oldest turns",
                lines.get(3));
        assertEquals("threads: 1", lines.get(4));
        assertTrue(lines.get(5).startsWith("Type /help"), lines.get(5));
    }

    @Test
    void originalArgumentForm() {
        String image = Fixtures.image("img448.png", tmp).toString();
        String vision = Fixtures.vision(tmp).toString();
        String text = Fixtures.text(tmp).toString();
        Cli r = Cli.withInput(DESCRIBE, image, vision, text, "32", "4096", "--no-info", "--temp", "0", "--repeat-penalty", "1", "-t", "1");
        assertEquals(0, r.status(), r.toString());
        assertEquals(m1Text() + "\n", r.out());
        Cli info = Cli.withInput("", image, vision, text, "7", "300", "-t", "1");
        assertEquals(0, info.status(), info.toString());
        assertTrue(info.err().contains("context: 300 positions (model trained for 4096); answers up to 7 tokens"), info.err());
        // the picture (256 rows) cannot fit with the system prompt in 300 positions: said at once, not after encoding it
        assertTrue(info.err().contains("warning: the picture takes 256 positions") && info.err().contains("starting without a picture"),
                info.err());
    }
}
