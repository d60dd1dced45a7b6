package org.vlm4j.cli.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlm4j.chat.Answer;
import org.vlm4j.chat.AskOptions;
import org.vlm4j.chat.Conversation;
import org.vlm4j.chat.ConversationOptions;
import org.vlm4j.chat.LoadOptions;
import org.vlm4j.chat.SamplerConfig;
import org.vlm4j.chat.StopReason;
import org.vlm4j.chat.VisionLanguageModel;
import org.vlm4j.cli.Fixtures;

/**
 * {@link ChatLoop} with a scripted {@link ChatIO}: an interrupt during an answer (what Ctrl-C does
 * on a terminal) stops that answer, keeps the part written in the dialogue and returns to the
 * prompt; leaving at the prompt ends the loop with status 0.
 */
class ChatLoopTest {
    @TempDir
    static Path tmp;
    static VisionLanguageModel model;

    @BeforeAll
    static void load() throws Exception {
        model = VisionLanguageModel.load(Fixtures.text(tmp), Fixtures.vision(tmp), LoadOptions.DEFAULTS.withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Lines from a list; null when they run out (end of input, or Ctrl-C at the prompt). */
    static final class ScriptedIO implements ChatIO {
        final Deque<String> lines;
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final PrintWriter o = new PrintWriter(out, true);
        final PrintWriter e = new PrintWriter(err, true);
        volatile Runnable interrupt;

        ScriptedIO(String... lines) {
            this.lines = new ArrayDeque<>(Arrays.asList(lines));
        }

        @Override
        public String readLine(String prompt) {
            return lines.poll();
        }

        @Override
        public PrintWriter out() {
            return o;
        }

        @Override
        public PrintWriter err() {
            return e;
        }

        @Override
        public boolean interactive() {
            return true;
        }

        @Override
        public Registration onInterrupt(Runnable action) {
            interrupt = action;
            return () -> interrupt = null;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void interruptStopsTheAnswerAndTheDialogueGoesOn() throws Exception {
        ConversationOptions co = ConversationOptions.DEFAULTS.withAutoImageMarker(false)
                .withAsk(new AskOptions(16, SamplerConfig.GREEDY, false));
        Conversation c = model.newConversation(co);
        c.setImage(Fixtures.image("img448.png", tmp));
        ScriptedIO io = new ScriptedIO("<image>Describe the image.", "What colors do you see?");
        List<Answer> answers = new ArrayList<>();
        StreamingPrinter screen = new StreamingPrinter(io.out(), true);
        AnswerPrinter pressCtrlCAfterThreePieces = new AnswerPrinter() {
            int pieces;

            @Override
            public void begin() {
                pieces = 0;
                screen.begin();
            }

            @Override
            public void piece(String text) {
                screen.piece(text);
                if (++pieces == 3 && answers.isEmpty()) {
                    io.interrupt.run();
                }
            }

            @Override
            public void end(Answer a) {
                screen.end(a);
                answers.add(a);
            }

            @Override
            public void refused(String message) {
                screen.refused(message);
            }
        };
        assertEquals(0, new ChatLoop(c, io, pressCtrlCAfterThreePieces, true).run());
        assertEquals(2, answers.size(), io.err.toString());
        Answer stopped = answers.get(0);
        assertEquals(StopReason.CANCELLED, stopped.stopReason());
        int[] m1 = Fixtures.ints(Fixtures.golden("M1.f32.json").get("greedy").get("tokens"));
        assertArrayEquals(Arrays.copyOf(m1, 3), stopped.tokens(), "stopped right after the third piece");
        assertTrue(io.err.toString().contains("(stopped)"), io.err.toString());
        assertEquals(2, c.turns(), "the partial answer stays in the dialogue");
        int[] history = c.history();
        assertArrayEquals(Arrays.copyOf(m1, 3), Arrays.copyOfRange(history, 425, 428), "the partial answer follows the first prompt");
        assertTrue(answers.get(1).generatedTokens() > 0);
        assertNull(io.interrupt, "the interrupt handler is removed after each answer");
        assertTrue(io.out.toString().startsWith("\nAnswer: " + model.tokenizer().decode(Arrays.copyOf(m1, 3)) + "\n"), io.out.toString());
    }

    @Test
    void leavingAtThePromptEndsWithStatus0() throws Exception {
        Conversation c = model.newConversation();
        ScriptedIO io = new ScriptedIO();
        assertEquals(0, new ChatLoop(c, io, new StreamingPrinter(io.out(), true), true).run());
        assertEquals("\n\n", io.out.toString(), "a blank line before the prompt, a newline when leaving");
        assertEquals(0, c.position());
    }
}
