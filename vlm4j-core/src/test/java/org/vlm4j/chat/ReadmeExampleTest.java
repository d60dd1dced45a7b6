package org.vlm4j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library example in the README compiles and runs against the fixture models: the test takes
 * the first {@code java} code block of README.md verbatim, points its file names at the fixtures,
 * compiles it with the JDK compiler and runs it.
 */
class ReadmeExampleTest {
    @TempDir
    Path tmp;

    @Test
    void readmeLibraryExampleRuns() throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
        String md = Files.readString(readme);
        int start = md.indexOf("```java\n");
        assertTrue(start >= 0, "README.md has a java example");
        String code = md.substring(start + 8, md.indexOf("```", start + 8));
        Path res = Path.of(getClass().getResource("/fixtures/tiny/gguf/tiny-q8_0.gguf").toURI()).getParent();
        Path img = Path.of(getClass().getResource("/fixtures/images/img448.png").toURI());
        String body = code.replace("\"text.gguf\"", quoted(res.resolve("tiny-q8_0.gguf")))
                .replace("\"mmproj.gguf\"", quoted(res.resolve("tiny-mmproj-f16.gguf")))
                .replace("\"examples/sunset.png\"", quoted(img));
        String src = """
                import java.nio.file.Path;
                import org.vlm4j.chat.*;
                public class ReadmeExample {
                    public static void main(String[] args) throws Exception {
                %s
                    }
                }
                """.formatted(body);
        Path file = tmp.resolve("ReadmeExample.java");
        Files.writeString(file, src);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, "-classpath", System.getProperty("java.class.path"), "-d", tmp.toString(),
                file.toString());
        assertEquals(0, rc, "the README example must compile:\n" + diag.toString(StandardCharsets.UTF_8) + "\n" + src);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            Method main = cl.loadClass("ReadmeExample").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(old);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        List<String> lines = printed.lines().toList();
        assertTrue(lines.get(lines.size() - 1).matches("\\d+ tokens, [0-9.]+ tok/s"), printed);
    }

    private static String quoted(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\") + "\"";
    }
}
