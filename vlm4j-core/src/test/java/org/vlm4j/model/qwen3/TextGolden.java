package org.vlm4j.model.qwen3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vlm4j.model.ModelInput;

/**
 * One llama.cpp text golden of the tiny model ({@code fixtures/tiny/text/CASE.QUANT.json} and its
 * {@code .logits.f32}), with the image rows it needs from {@code fixtures/tiny/vision/}.
 */
final class TextGolden {
    static final int VOCAB = 4160;

    final String name;
    final int[] promptIds;
    final int[] logitPositions;
    final float[][] logits;
    final int[] greedy;
    final float[] margins;
    final int stopIndex;
    final float[] rows;
    final int nRows;

    private TextGolden(String name, JsonNode j) throws IOException {
        this.name = name;
        promptIds = ints(j.get("prompt_ids"));
        JsonNode lg = j.get("logits");
        logitPositions = ints(lg.get("positions"));
        int nPos = lg.get("shape").get(0).asInt();
        int vocab = lg.get("shape").get(1).asInt();
        float[] all = readFloats(resource("text/" + lg.get("file").asText()));
        if (all.length != nPos * vocab || vocab != VOCAB) {
            throw new IOException(name + ": logits file size " + all.length + " != " + nPos + "x" + vocab);
        }
        logits = new float[nPos][];
        for (int i = 0; i < nPos; i++) {
            logits[i] = java.util.Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
        }
        JsonNode g = j.get("greedy");
        greedy = ints(g.get("tokens"));
        margins = new float[g.get("margins").size()];
        for (int i = 0; i < margins.length; i++) {
            margins[i] = (float) g.get("margins").get(i).asDouble();
        }
        stopIndex = g.get("stop_index").isNull() ? -1 : g.get("stop_index").asInt();
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        int count = 0;
        for (JsonNode s : j.get("segments")) {
            if ("embd".equals(s.get("type").asText())) {
                float[] f = readFloats(resource("vision/" + s.get("file").asText()));
                int n = s.get("rows").asInt();
                int off = s.get("row_offset").asInt();
                int w = 64;
                parts.add(java.util.Arrays.copyOfRange(f, off * w, (off + n) * w));
                total += n * w;
                count += n;
            }
        }
        rows = new float[total];
        int p = 0;
        for (float[] f : parts) {
            System.arraycopy(f, 0, rows, p, f.length);
            p += f.length;
        }
        nRows = count;
        int neg = 0;
        for (int id : promptIds) {
            if (id < 0) {
                neg++;
            }
        }
        if (neg != nRows) {
            throw new IOException(name + ": " + neg + " image positions but " + nRows + " rows");
        }
    }

    static TextGolden load(String caseName, String quant) {
        String n = caseName + "." + quant;
        try {
            JsonNode j = new ObjectMapper().readTree(resource("text/" + n + ".json").toFile());
            return new TextGolden(n, j);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ModelInput input() {
        return ModelInput.mixed(promptIds, rows);
    }

    static Path resource(String rel) {
        try {
            var url = TextGolden.class.getResource("/fixtures/tiny/" + rel);
            if (url == null) {
                throw new IllegalStateException("missing test resource fixtures/tiny/" + rel);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path modelPath(String quant) {
        return resource("gguf/tiny-" + quant + ".gguf");
    }

    static float[] readFloats(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double meanAbsDiff(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    /** Index of the largest value; ties go to the lowest index (as the goldens). */
    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }
}
