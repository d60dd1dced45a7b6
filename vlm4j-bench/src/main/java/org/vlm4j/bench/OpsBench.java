package org.vlm4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vlm4j.tensor.Ops;
import org.vlm4j.tensor.OpsReference;

/**
 * Element-wise ops, RoPE and single-head attention (one query against 1024 cached positions of
 * head_dim 128: scores by {@code dot}, softmax, weighted value sum by {@code axpy}), vectorised
 * versus the scalar references.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class OpsBench {
    private static final int POS = 1024;
    private static final int HEAD = 128;

    private float[] x;
    private float[] w;
    private float[] out;
    private float[] q;
    private float[] keys;
    private float[] values;
    private float[] scores;
    private float[] acc;
    private float[] heads;
    private float[] cos;
    private float[] sin;

    @Setup(Level.Trial)
    public void setUp() {
        x = BenchData.floats(1024, 1);
        w = BenchData.floats(1024, 2);
        out = new float[1024];
        q = BenchData.floats(HEAD, 3);
        keys = BenchData.floats(POS * HEAD, 4);
        values = BenchData.floats(POS * HEAD, 5);
        scores = new float[POS];
        acc = new float[HEAD];
        heads = BenchData.floats(24 * HEAD, 6);
        cos = new float[HEAD / 2];
        sin = new float[HEAD / 2];
        for (int i = 0; i < HEAD / 2; i++) { // position 100, theta 1e6
            double angle = 100 * Math.pow(1e6, -2.0 * i / HEAD);
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    @Benchmark
    public float[] rmsNorm1024() {
        Ops.rmsNorm(out, 0, x, 0, w, 0, 1024, 1e-6f);
        return out;
    }

    @Benchmark
    public float[] rmsNorm1024Reference() {
        OpsReference.rmsNorm(out, 0, x, 0, w, 0, 1024, 1e-6f);
        return out;
    }

    @Benchmark
    public float[] attentionHead() {
        for (int p = 0; p < POS; p++) {
            scores[p] = Ops.dot(q, 0, keys, p * HEAD, HEAD) * 0.0883883f;
        }
        Ops.softmax(scores, 0, POS);
        java.util.Arrays.fill(acc, 0f);
        for (int p = 0; p < POS; p++) {
            Ops.axpy(scores[p], values, p * HEAD, acc, 0, HEAD);
        }
        return acc;
    }

    @Benchmark
    public float[] attentionHeadReference() {
        for (int p = 0; p < POS; p++) {
            scores[p] = OpsReference.dot(q, 0, keys, p * HEAD, HEAD) * 0.0883883f;
        }
        OpsReference.softmax(scores, 0, POS);
        java.util.Arrays.fill(acc, 0f);
        for (int p = 0; p < POS; p++) {
            OpsReference.axpy(scores[p], values, p * HEAD, acc, 0, HEAD);
        }
        return acc;
    }

    /** RoPE of one Qwen3 token: 16 query + 8 key heads of 128 (NeoX pairs), angles precomputed. */
    @Benchmark
    public float[] ropeToken() {
        for (int h = 0; h < 24; h++) {
            Ops.ropeNeox(heads, h * HEAD, HEAD / 2, cos, sin, 0);
        }
        return heads;
    }

    @Benchmark
    public float[] ropeTokenReference() {
        for (int h = 0; h < 24; h++) {
            OpsReference.ropeNeox(heads, h * HEAD, HEAD / 2, cos, sin, 0);
        }
        return heads;
    }

    @Benchmark
    public float[] geluErf1024() {
        System.arraycopy(x, 0, out, 0, 1024);
        Ops.geluErf(out, 0, 1024);
        return out;
    }

    @Benchmark
    public float[] swiglu1024() {
        System.arraycopy(x, 0, out, 0, 1024);
        Ops.swiglu(out, 0, w, 0, 1024);
        return out;
    }
}
