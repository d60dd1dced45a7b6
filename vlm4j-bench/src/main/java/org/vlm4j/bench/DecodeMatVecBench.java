package org.vlm4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vlm4j.gguf.GgmlType;
import org.vlm4j.tensor.MatOps;
import org.vlm4j.tensor.QuantizedActivations;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/**
 * The weight traffic of one decoded token of a Qwen3-0.6B-shaped model without anything else: 28
 * layers of Q8_0 q/k/v (4096 x 1024, one region), o (1024 x 2048), gate/up (6144 x 1024) and down
 * (1024 x 3072), then the 151936 x 1024 head: 633 MB, far more than any cache. The time per token
 * is the ceiling of decode speed for the matrix-vector kernels (attention, norms and sampling come
 * on top). The weights are random bytes with a fixed block scale: the kernels' speed does not
 * depend on the values, and this builds 633 MB in seconds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class DecodeMatVecBench {
    private static final int[][] LAYER_SHAPES = {{4096, 1024}, {1024, 2048}, {6144, 1024}, {1024, 3072}};

    /** Worker threads; 0 = available processors. */
    @Param({"0"})
    public int threads;

    private Arena arena;
    private WorkerPool pool;
    private WeightMatrix[] mats;
    private float[] x;
    private float[] out;
    private final QuantizedActivations qa = new QuantizedActivations(3072);

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        pool = WorkerPool.create(threads > 0 ? threads : WorkerPool.defaultThreads());
        mats = new WeightMatrix[28 * LAYER_SHAPES.length + 1];
        SplittableRandom r = new SplittableRandom(7);
        short scale = Float.floatToFloat16(0.01f);
        for (int i = 0; i < mats.length; i++) {
            boolean head = i == mats.length - 1;
            int rows = head ? 151936 : LAYER_SHAPES[i % LAYER_SHAPES.length][0];
            int cols = head ? 1024 : LAYER_SHAPES[i % LAYER_SHAPES.length][1];
            long rowBytes = GgmlType.Q8_0.byteSize(cols);
            MemorySegment seg = arena.allocate(rowBytes * rows, 64);
            for (long o = 0; o + 8 <= seg.byteSize(); o += 8) {
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, o, r.nextLong());
            }
            for (long b = 0; b < seg.byteSize(); b += 34) {
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, b, scale);
            }
            mats[i] = WeightMatrix.of("w" + i, GgmlType.Q8_0, seg, rows, cols);
        }
        x = BenchData.floats(3072, 8);
        out = new float[151936];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** The production path: int8 activations, four rows per pass, one parallel region per matrix. */
    @Benchmark
    public float[] token() {
        for (WeightMatrix w : mats) {
            MatOps.matVec(pool, w, x, 0, out, 0);
        }
        return out;
    }

    /**
     * The same 633 MB read in the same regions and chunks, as four streams per chunk like the
     * kernel (each quarter of a chunk's rows is one contiguous run of bytes), with 256-bit loads and
     * one byte add per load: the memory roofline of {@link #token()} on this machine.
     */
    @Benchmark
    public float[] readOnly() {
        for (WeightMatrix w : mats) {
            MemorySegment seg = w.data();
            long rowBytes = w.rowBytes();
            pool.forRange(w.rows(), 16, (a, b) -> out[a] = readQuarters(seg, a * rowBytes, (b - a) * rowBytes));
        }
        return out;
    }

    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;

    private static float readQuarters(MemorySegment seg, long from, long len) {
        long q = len / 4 / 32 * 32;
        long o1 = from + q;
        long o2 = o1 + q;
        long o3 = o2 + q;
        ByteVector acc = ByteVector.zero(B256);
        for (long i = 0; i < q; i += 32) {
            acc = acc.add(ByteVector.fromMemorySegment(B256, seg, from + i, ByteOrder.LITTLE_ENDIAN))
                    .add(ByteVector.fromMemorySegment(B256, seg, o1 + i, ByteOrder.LITTLE_ENDIAN))
                    .add(ByteVector.fromMemorySegment(B256, seg, o2 + i, ByteOrder.LITTLE_ENDIAN))
                    .add(ByteVector.fromMemorySegment(B256, seg, o3 + i, ByteOrder.LITTLE_ENDIAN));
        }
        for (long i = from + 4 * q; i + 32 <= from + len; i += 32) {
            acc = acc.add(ByteVector.fromMemorySegment(B256, seg, i, ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** The same products reading one row at a time. */
    @Benchmark
    public float[] tokenOneRowAtATime() {
        for (WeightMatrix w : mats) {
            BenchData.matVecOneRowAtATime(pool, w, x, qa, out);
        }
        return out;
    }
}
