package org.vlm4j.model.qwen3;

import org.vlm4j.gguf.GgufFile;
import org.vlm4j.tensor.WeightMatrix;

/**
 * A deliberately naive Qwen2/Qwen3 forward pass in double precision, written straight from the
 * spec (section 7/8) with no batching, caching or fusion. It is validated against the llama.cpp
 * goldens in {@link Qwen3StructureTest} and then serves as an independent cross-check for layouts
 * that have no golden (Qwen2 biases, tied output head).
 */
final class ReferenceQwen {
    private ReferenceQwen() {}

    /** Logits after every position of {@code ids} (all token ids). */
    static double[][] logits(GgufFile f, int[] ids) {
        Qwen3Config c = Qwen3Config.fromGguf(f);
        int n = ids.length;
        int h = c.hidden();
        int hd = c.headDim();
        float[] emb = w(f, "token_embd.weight");
        double[][] x = new double[n][h];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < h; i++) {
                x[t][i] = emb[ids[t] * h + i];
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            double[][] xn = rms(x, w(f, p + "attn_norm.weight"), c.rmsEps());
            double[][] q = lin(xn, w(f, p + "attn_q.weight"), opt(f, p + "attn_q.bias"), c.qDim());
            double[][] k = lin(xn, w(f, p + "attn_k.weight"), opt(f, p + "attn_k.bias"), c.kvDim());
            double[][] v = lin(xn, w(f, p + "attn_v.weight"), opt(f, p + "attn_v.bias"), c.kvDim());
            for (int t = 0; t < n; t++) {
                for (int hh = 0; hh < c.heads(); hh++) {
                    headNormRope(q[t], hh * hd, hd, c.qkNorm() ? w(f, p + "attn_q_norm.weight") : null, c, t);
                }
                for (int hh = 0; hh < c.kvHeads(); hh++) {
                    headNormRope(k[t], hh * hd, hd, c.qkNorm() ? w(f, p + "attn_k_norm.weight") : null, c, t);
                }
            }
            double[][] att = new double[n][c.qDim()];
            for (int t = 0; t < n; t++) {
                for (int hh = 0; hh < c.heads(); hh++) {
                    int kvh = hh / (c.heads() / c.kvHeads());
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        double d = 0;
                        for (int i = 0; i < hd; i++) {
                            d += q[t][hh * hd + i] * k[j][kvh * hd + i];
                        }
                        s[j] = d / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < hd; i++) {
                            att[t][hh * hd + i] += s[j] / sum * v[j][kvh * hd + i];
                        }
                    }
                }
            }
            add(x, lin(att, w(f, p + "attn_output.weight"), null, h));
            xn = rms(x, w(f, p + "ffn_norm.weight"), c.rmsEps());
            double[][] g = lin(xn, w(f, p + "ffn_gate.weight"), null, c.ffn());
            double[][] u = lin(xn, w(f, p + "ffn_up.weight"), null, c.ffn());
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < c.ffn(); i++) {
                    g[t][i] = g[t][i] / (1 + Math.exp(-g[t][i])) * u[t][i];
                }
            }
            add(x, lin(g, w(f, p + "ffn_down.weight"), null, h));
        }
        double[][] xn = rms(x, w(f, "output_norm.weight"), c.rmsEps());
        float[] head = f.hasTensor("output.weight") ? w(f, "output.weight") : emb;
        return lin(xn, head, null, c.vocabSize());
    }

    private static void headNormRope(double[] a, int off, int hd, float[] norm, Qwen3Config c, int pos) {
        if (norm != null) {
            double ss = 0;
            for (int i = 0; i < hd; i++) {
                ss += a[off + i] * a[off + i];
            }
            double sc = 1 / Math.sqrt(ss / hd + c.rmsEps());
            for (int i = 0; i < hd; i++) {
                a[off + i] = a[off + i] * sc * norm[i];
            }
        }
        int half = hd / 2;
        for (int i = 0; i < half; i++) {
            double theta = pos * Math.pow(c.ropeTheta(), -2.0 * i / hd);
            double x0 = a[off + i];
            double x1 = a[off + i + half];
            a[off + i] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
            a[off + i + half] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
        }
    }

    private static float[] w(GgufFile f, String name) {
        var t = f.tensor(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return WeightMatrix.of(f, t).toFloatArray();
    }

    private static float[] opt(GgufFile f, String name) {
        return f.hasTensor(name) ? w(f, name) : null;
    }

    private static double[][] rms(double[][] x, float[] w, double eps) {
        double[][] o = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double ss = 0;
            for (double v : x[t]) {
                ss += v * v;
            }
            double sc = 1 / Math.sqrt(ss / x[t].length + eps);
            o[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                o[t][i] = x[t][i] * sc * w[i];
            }
        }
        return o;
    }

    /** {@code out[t][r] = sum_i x[t][i] * W[r][i] + b[r]} with W row-major [rows][cols]. */
    private static double[][] lin(double[][] x, float[] wt, float[] b, int rows) {
        int cols = x[0].length;
        double[][] o = new double[x.length][rows];
        for (int t = 0; t < x.length; t++) {
            for (int r = 0; r < rows; r++) {
                double s = b != null ? b[r] : 0;
                for (int i = 0; i < cols; i++) {
                    s += x[t][i] * wt[r * cols + i];
                }
                o[t][r] = s;
            }
        }
        return o;
    }

    private static void add(double[][] x, double[][] y) {
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < x[t].length; i++) {
                x[t][i] += y[t][i];
            }
        }
    }
}
