package org.vlm4j.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Counters and gauges of the server in the Prometheus text format ({@code GET /metrics}): requests
 * by status, prompt and generated tokens, cancelled answers, requests that left the queue, busy
 * slots, queue depth and the decode speed of the latest answer.
 */
final class Metrics {
    private final Map<Integer, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder cachedTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder completions = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final LongAdder generateNanos = new LongAdder();
    private volatile double lastTokensPerSecond;
    private final IntSupplier busy;
    private final IntSupplier waiting;
    private final int slots;

    Metrics(int slots, IntSupplier busy, IntSupplier waiting) {
        this.slots = slots;
        this.busy = busy;
        this.waiting = waiting;
    }

    void request(int status) {
        requests.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    void answer(int prompt, int cached, int generated, double generateMillis, boolean wasCancelled) {
        promptTokens.add(prompt);
        cachedTokens.add(cached);
        completionTokens.add(generated);
        completions.increment();
        generateNanos.add((long) (generateMillis * 1e6));
        if (generated > 0 && generateMillis > 0) {
            lastTokensPerSecond = generated * 1000.0 / generateMillis;
        }
        if (wasCancelled) {
            cancelled.increment();
        }
    }

    /** A queued request whose client left before it got a slot. */
    void abandoned() {
        abandoned.increment();
    }

    long requests(int status) {
        LongAdder a = requests.get(status);
        return a == null ? 0 : a.sum();
    }

    long cancelled() {
        return cancelled.sum();
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        head(sb, "vlm4j_http_requests_total", "counter", "HTTP requests answered, by status code");
        for (Map.Entry<Integer, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            sb.append("vlm4j_http_requests_total{status=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
        }
        metric(sb, "vlm4j_completions_total", "counter", "Chat completions computed", completions.sum());
        metric(sb, "vlm4j_completions_cancelled_total", "counter", "Completions stopped early (client gone)", cancelled.sum());
        metric(sb, "vlm4j_queue_abandoned_total", "counter", "Queued requests whose client left before a slot was free",
                abandoned.sum());
        metric(sb, "vlm4j_prompt_tokens_total", "counter", "Prompt tokens (positions) of completions, cached ones included",
                promptTokens.sum());
        metric(sb, "vlm4j_prompt_tokens_cached_total", "counter", "Prompt tokens reused from a slot's KV cache", cachedTokens.sum());
        metric(sb, "vlm4j_completion_tokens_total", "counter", "Generated tokens", completionTokens.sum());
        head(sb, "vlm4j_generate_seconds_total", "counter", "Time spent generating tokens");
        sb.append("vlm4j_generate_seconds_total ").append(String.format(Locale.ROOT, "%.6f", generateNanos.sum() / 1e9)).append('\n');
        head(sb, "vlm4j_tokens_per_second", "gauge", "Decode speed of the latest completion");
        sb.append("vlm4j_tokens_per_second ").append(String.format(Locale.ROOT, "%.3f", lastTokensPerSecond)).append('\n');
        metric(sb, "vlm4j_slots", "gauge", "Parallel slots", slots);
        metric(sb, "vlm4j_slots_busy", "gauge", "Slots computing an answer", busy.getAsInt());
        metric(sb, "vlm4j_queue_depth", "gauge", "Requests waiting for a slot", waiting.getAsInt());
        return sb.toString();
    }

    private static void head(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void metric(StringBuilder sb, String name, String type, String help, long value) {
        head(sb, name, type, help);
        sb.append(name).append(' ').append(value).append('\n');
    }
}
