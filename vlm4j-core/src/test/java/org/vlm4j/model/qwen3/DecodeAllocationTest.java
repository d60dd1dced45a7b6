package org.vlm4j.model.qwen3;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vlm4j.model.ModelInput;
import org.vlm4j.tensor.WorkerPool;

/**
 * Issue 6: "no allocation per token in the decode loop". Once the decode path is compiled, a
 * decode step allocates nothing on the Java heap, on the calling thread or on the pool's workers
 * (each parallel region used to allocate its job object and three atomics: ~11 KB per token at
 * ~140 regions per token for InternVL3.5-1B).
 *
 * <p>Measured with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} over 64 steps,
 * after enough steps for C2 to compile the kernels (the interpreter and C1 box every vector). The
 * best of several windows is taken, so that a recompilation during one window cannot fail the test;
 * a real per-token allocation shows up in every window.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DecodeAllocationTest {
    private static final int STEPS = 64;

    @ParameterizedTest
    @CsvSource({"q8_0, F16", "f32, F32"})
    void decodeStepsAllocateNothingOnTheHeap(String weights, KvCacheType kvType) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int[] prompt = TextGolden.load("T1", weights).promptIds;
        try (WorkerPool pool = WorkerPool.create(2); Qwen3Model model = Qwen3Model.open(TextGolden.modelPath(weights))) {
            Qwen3State st = model.newState(prompt.length + STEPS + 1, Qwen3State.DEFAULT_BATCH, kvType, pool);
            st.append(ModelInput.tokens(prompt));
            long[] threads = threadsOf(pool);
            long best = Long.MAX_VALUE;
            for (int window = 0; window < 40 && best > 0; window++) {
                st.truncate(prompt.length);
                long before = allocated(mx, threads);
                for (int i = 0; i < STEPS; i++) {
                    st.decode(prompt[i % prompt.length]);
                }
                long after = allocated(mx, threads);
                if (window >= 20) { // the first windows warm up the JIT
                    best = Math.min(best, after - before);
                }
            }
            assertTrue(best < STEPS, "decode allocated " + best + " bytes over " + STEPS + " steps (" + weights + ", "
                    + kvType + " cache) in the best window");
        }
    }

    /** The calling thread and the worker threads of the pool (found by name; idle pools allocate nothing). */
    private static long[] threadsOf(WorkerPool pool) {
        long[] ids = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vlm4j-worker-"))
                .mapToLong(Thread::threadId)
                .toArray();
        assertTrue(ids.length >= pool.threads() - 1, "worker threads found: " + Arrays.toString(ids));
        long[] all = Arrays.copyOf(ids, ids.length + 1);
        all[ids.length] = Thread.currentThread().threadId();
        return all;
    }

    private static long allocated(com.sun.management.ThreadMXBean mx, long[] threads) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(threads)) {
            sum += Math.max(0, b);
        }
        return sum;
    }
}
