package org.vlm4j.cli.bench;

import java.util.Arrays;

/**
 * The timed repetitions of one benchmark test (the warm-up run is not among them), with the mean
 * and the sample standard deviation (n - 1, as llama-bench reports; 0 for a single value).
 */
public record Samples(double[] values) {

    public Samples {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        values = values.clone();
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    public int count() {
        return values.length;
    }

    public double mean() {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s / values.length;
    }

    public double stddev() {
        if (values.length < 2) {
            return 0;
        }
        double m = mean();
        double s = 0;
        for (double v : values) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (values.length - 1));
    }

    /** Each value converted from "seconds for {@code work} units" to units per second. */
    public static Samples ratesFromSeconds(double work, double[] seconds) {
        double[] r = new double[seconds.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = work / seconds[i];
        }
        return new Samples(r);
    }

    @Override
    public String toString() {
        return "Samples" + Arrays.toString(values);
    }
}
