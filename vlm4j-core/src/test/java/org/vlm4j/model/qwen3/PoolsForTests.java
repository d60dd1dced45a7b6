package org.vlm4j.model.qwen3;

import org.vlm4j.tensor.WorkerPool;

/**
 * Worker pools for tests: 2 threads (the CI machine's core count) unless the system property
 * {@code vlm4j.test.threads} says otherwise (e.g. {@code -Dvlm4j.test.threads=1} for a serial run).
 */
public final class PoolsForTests {
    private PoolsForTests() {}

    public static int threads() {
        return Integer.getInteger("vlm4j.test.threads", 2);
    }

    public static WorkerPool create() {
        return WorkerPool.create(threads());
    }
}
