package org.vlm4j.model.qwen3;

import java.util.List;
import org.vlm4j.model.ContextFullException;
import org.vlm4j.model.ModelInput;
import org.vlm4j.model.SequenceState;
import org.vlm4j.tensor.MatOps;
import org.vlm4j.tensor.Ops;
import org.vlm4j.tensor.WeightMatrix;
import org.vlm4j.tensor.WorkerPool;

/**
 * One token sequence of a {@link Qwen3Model}: the KV cache, the position, and every scratch buffer
 * the forward pass needs, allocated once here so that decoding allocates nothing per token.
 *
 * <p>Forward pass per block (pre-norm): RMSNorm, q/k/v projections (+ biases for Qwen2), per-head
 * q/k RMSNorm (Qwen3), NeoX RoPE, causal GQA attention with f32 softmax, output projection and
 * residual; RMSNorm, SwiGLU feed-forward and residual. Then the final norm and the output head, only
 * for the positions whose logits are wanted. Prompts are processed in batches of up to
 * {@code maxBatch} positions with matrix-matrix products; a single position uses fused
 * matrix-vector products (q/k/v in one parallel region, gate/up in another).
 *
 * <p>RoPE angles follow llama.cpp (whose F32 outputs are the goldens): {@code theta_i = pos *
 * base^(-2i/d)} built by repeated float multiplication, cos/sin in float.
 *
 * <p>The KV cache is off the Java heap and committed page by page as positions are stored
 * ({@link #kvCacheCommittedBytes()}); pages survive {@link #truncate}/{@link #reset} for reuse and
 * are freed by {@link #close()} (or, for a state dropped without closing, by the garbage collector).
 */
public final class Qwen3State implements SequenceState {
    /** Default prefill batch (positions per pass). */
    public static final int DEFAULT_BATCH = 512;
    /** Query rows (tokens x heads of a group) per attention work item. */
    private static final int ATTENTION_ROWS = 16;

    private final Qwen3Model model;
    private final Qwen3Config c;
    private final WorkerPool pool;
    private final KvCache kv;
    private final KvCacheType kvType;
    private final int capacity;
    private final int maxBatch;
    private int position;

    private final int hidden;
    private final int qDim;
    private final int kvDim;
    private final int headDim;
    private final int half;
    private final float thetaScale;
    private final float attnScale;
    private final float eps;

    // activations, row-major [maxBatch][width]
    private final float[] x;
    private final float[] xb;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] att;
    private final float[] tmp;
    private final float[] gate;
    private final float[] up;
    private final float[] ropeCos;
    private final float[] ropeSin;
    private final int[] rows;
    private final float[] logits;

    // prebuilt arguments of the decode-time parallel regions (no allocation per token)
    private final FusedMatVec fused = new FusedMatVec();
    private final WeightMatrix[][] qkvMats;
    private final WeightMatrix[][] gateUpMats;
    private final WeightMatrix[][] oMats;
    private final WeightMatrix[][] downMats;
    private final WeightMatrix[] headMats;
    private final float[][] qkvOuts;
    private final float[][] gateUpOuts;
    private final float[][] tmpOut;
    private final float[][] logitsOut;
    private final int[] zeros = new int[3];
    private final float[][] lastLogitsDest;
    private final AttentionTask attention;
    private final QkvHook qkvHook = new QkvHook();
    /** SwiGLU of the gate/up rows a decode chunk has just computed. */
    private final FusedMatVec.RowHook swigluHook = this::swigluRows;

    Qwen3State(Qwen3Model model, int capacity, int maxBatch, KvCacheType kvType, WorkerPool pool) {
        this.model = model;
        this.c = model.config();
        this.pool = pool;
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.kv = KvCache.create(kvType, c.layers(), capacity, c.kvHeads(), c.headDim());
        this.kvType = kvType;
        this.hidden = c.hidden();
        this.qDim = c.qDim();
        this.kvDim = c.kvDim();
        this.headDim = c.headDim();
        this.half = headDim / 2;
        this.thetaScale = (float) Math.pow(c.ropeTheta(), -2.0f / headDim);
        this.attnScale = (float) (1.0 / Math.sqrt(headDim));
        this.eps = c.rmsEps();
        int b = maxBatch;
        this.x = new float[b * hidden];
        this.xb = new float[b * hidden];
        this.q = new float[b * qDim];
        this.k = new float[b * kvDim];
        this.v = new float[b * kvDim];
        this.att = new float[b * qDim];
        this.tmp = new float[b * hidden];
        this.gate = new float[b * c.ffn()];
        this.up = new float[b * c.ffn()];
        this.ropeCos = new float[b * half];
        this.ropeSin = new float[b * half];
        this.rows = new int[b];
        this.logits = new float[c.vocabSize()];
        List<Qwen3Layer> ls = model.layers();
        int nl = ls.size();
        qkvMats = new WeightMatrix[nl][];
        gateUpMats = new WeightMatrix[nl][];
        oMats = new WeightMatrix[nl][];
        downMats = new WeightMatrix[nl][];
        for (int i = 0; i < nl; i++) {
            Qwen3Layer l = ls.get(i);
            qkvMats[i] = new WeightMatrix[] {l.wq(), l.wk(), l.wv()};
            gateUpMats[i] = new WeightMatrix[] {l.gate(), l.up()};
            oMats[i] = new WeightMatrix[] {l.wo()};
            downMats[i] = new WeightMatrix[] {l.down()};
        }
        headMats = new WeightMatrix[] {model.output()};
        qkvOuts = new float[][] {q, k, v};
        gateUpOuts = new float[][] {gate, up};
        tmpOut = new float[][] {tmp};
        logitsOut = new float[][] {logits};
        lastLogitsDest = new float[][] {logits};
        attention = new AttentionTask(Math.max(c.kvHeads(), pool.threads() * 4));
    }

    public Qwen3Model model() {
        return model;
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int vocabSize() {
        return c.vocabSize();
    }

    /** Positions computed per prefill pass. */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Bytes the KV cache holds once every position is used (reserved, not necessarily allocated:
     * see {@link #kvCacheCommittedBytes()}).
     */
    public long kvCacheBytes() {
        return kv.byteSize();
    }

    /**
     * Bytes of KV-cache pages allocated so far: 256 positions per page and
     * layer, allocated when a position in them is first stored and kept until {@link #close()}.
     */
    public long kvCacheCommittedBytes() {
        return kv.committedBytes();
    }

    /** Element type of the KV cache. */
    public KvCacheType kvCacheType() {
        return kvType;
    }

    /** Frees the KV cache now (idempotent); computing afterwards throws {@link IllegalStateException}. */
    @Override
    public void close() {
        kv.close();
    }

    private void checkOpen() {
        if (kv.isClosed()) {
            throw new IllegalStateException("this sequence state is closed");
        }
    }

    @Override
    public void truncate(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new IllegalArgumentException("cannot truncate to position " + newPosition + ": the sequence has "
                    + position + " positions");
        }
        position = newPosition;
    }

    @Override
    public float[] append(ModelInput input) {
        if (input.isEmpty()) {
            throw new IllegalArgumentException("empty input has no last position to return logits for");
        }
        validate(input);
        run(input, new int[] {input.length() - 1}, lastLogitsDest);
        return logits;
    }

    @Override
    public float[][] append(ModelInput input, int[] logitsAt) {
        validate(input);
        int prev = -1;
        for (int i : logitsAt) {
            if (i <= prev || i >= input.length()) {
                throw new IllegalArgumentException("logits positions must be strictly increasing indices in [0, "
                        + input.length() + "), got " + java.util.Arrays.toString(logitsAt));
            }
            prev = i;
        }
        float[][] out = new float[logitsAt.length][c.vocabSize()];
        if (!input.isEmpty()) {
            run(input, logitsAt, out);
        }
        return out;
    }

    @Override
    public float[] decode(int token) {
        if (token < 0 || token >= c.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + c.vocabSize() + ")");
        }
        checkOpen();
        if (position >= capacity) {
            throw new ContextFullException(position, 1, capacity);
        }
        model.tokenEmbedding().dequantizeRow(token, x, 0);
        rows[0] = 0;
        forwardChunk(position, 1, 1, lastLogitsDest, 0);
        position++;
        return logits;
    }

    private void validate(ModelInput input) {
        checkOpen();
        int n = input.length();
        if ((long) position + n > capacity) {
            throw new ContextFullException(position, n, capacity);
        }
        if (input.rowWidth() != 0 && input.rowWidth() != hidden) {
            throw new IllegalArgumentException("embedding rows have width " + input.rowWidth() + ", the model needs "
                    + hidden);
        }
        int vocab = c.vocabSize();
        for (int i = 0; i < n; i++) {
            int t = input.tokenAt(i);
            if (t >= vocab) {
                throw new IllegalArgumentException("token id " + t + " at input index " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /** Runs {@code input} in batches; logits of input index {@code want[i]} go to {@code dest[i]}. */
    private void run(ModelInput input, int[] want, float[][] dest) {
        int n = input.length();
        int done = 0;
        int wi = 0;
        while (done < n) {
            int cn = Math.min(maxBatch, n - done);
            int m = 0;
            while (wi + m < want.length && want[wi + m] < done + cn) {
                rows[m] = want[wi + m] - done;
                m++;
            }
            embed(input, done, cn);
            forwardChunk(position, cn, m, dest, wi);
            position += cn;
            wi += m;
            done += cn;
        }
    }

    private void embed(ModelInput input, int from, int n) {
        WeightMatrix emb = model.tokenEmbedding();
        float[] data = input.rowData();
        for (int t = 0; t < n; t++) {
            int id = input.tokenAt(from + t);
            if (id >= 0) {
                emb.dequantizeRow(id, x, t * hidden);
            } else {
                System.arraycopy(data, input.rowOffset(from + t), x, t * hidden, hidden);
            }
        }
    }

    /**
     * Runs the decoder over the {@code n} embedded rows in {@code x} at positions {@code p0..}, then
     * the head for the {@code m} rows listed in {@code rows} (ascending), writing
     * {@code dest[destOff + i]}.
     */
    private void forwardChunk(int p0, int n, int m, float[][] dest, int destOff) {
        computeRope(p0, n);
        List<Qwen3Layer> ls = model.layers();
        int nl = ls.size();
        boolean identity = m == n; // rows[] is then 0..n-1 (ascending, all present)
        for (int li = 0; li < nl; li++) {
            Qwen3Layer l = ls.get(li);
            boolean last = li == nl - 1;
            normRows(x, xb, n, l.attnNorm());
            if (n == 1) { // biases, q/k norms, RoPE and the KV store run per head on the workers (QkvHook)
                kv.reserve(li, p0, 1);
                qkvHook.layer(li, l, p0);
                fused.runStacked(pool, qkvMats[li], qkvOuts, zeros, xb, 0, headDim, qkvHook);
            } else {
                MatOps.matMuls(pool, qkvMats[li], xb, n, qkvOuts);
                addBias(q, n, l.bq());
                addBias(k, n, l.bk());
                addBias(v, n, l.bv());
                pool.forRange(n, 4, (s, e) -> qkNormRopeRows(s, e, l));
                kv.store(li, p0, n, k, 0, v, 0);
            }
            int rn = n;
            boolean select = false;
            if (last) {
                if (m == 0) {
                    return;
                }
                rn = m;
                select = !identity;
            }
            attention.run(li, p0, rn, select);
            if (select) {
                for (int i = 0; i < rn; i++) {
                    System.arraycopy(x, rows[i] * hidden, x, i * hidden, hidden);
                }
            }
            // attention output projection + residual
            if (rn == 1) {
                fused.run(pool, oMats[li], tmpOut, zeros, att, 0);
            } else {
                MatOps.matMul(pool, l.wo(), att, rn, tmp);
            }
            addRows(x, tmp, rn * hidden);
            // feed-forward
            normRows(x, xb, rn, l.ffnNorm());
            int f = c.ffn();
            if (rn == 1) {
                fused.runPaired(pool, gateUpMats[li], gateUpOuts, zeros, xb, 0, swigluHook);
                fused.run(pool, downMats[li], tmpOut, zeros, gate, 0);
            } else {
                MatOps.matMuls(pool, gateUpMats[li], xb, rn, gateUpOuts);
                pool.forRange(rn, 4, (s, e) -> Ops.swiglu(gate, s * f, up, s * f, (e - s) * f));
                MatOps.matMul(pool, l.down(), gate, rn, tmp);
            }
            addRows(x, tmp, rn * hidden);
        }
        // final norm and output head for the m selected rows (now rows 0..m-1 of x)
        normRows(x, xb, m, model.outputNorm());
        for (int i = 0; i < m; i++) {
            float[][] outs = dest == lastLogitsDest ? logitsOut : new float[][] {dest[destOff + i]};
            fused.run(pool, headMats, outs, zeros, xb, i * hidden);
        }
    }

    private void normRows(float[] src, float[] dst, int n, float[] w) {
        if (n <= 1) {
            if (n == 1) {
                Ops.rmsNorm(dst, 0, src, 0, w, 0, hidden, eps);
            }
            return;
        }
        pool.forRange(n, 8, (s, e) -> {
            for (int t = s; t < e; t++) {
                Ops.rmsNorm(dst, t * hidden, src, t * hidden, w, 0, hidden, eps);
            }
        });
    }

    private void addRows(float[] dst, float[] src, int len) {
        VecMath.add(dst, 0, src, 0, len);
    }

    private static void addBias(float[] out, int n, float[] bias) {
        if (bias != null) {
            MatOps.addBias(out, n, bias);
        }
    }

    /** cos/sin of the RoPE angles of positions {@code p0 .. p0+n-1}. */
    private void computeRope(int p0, int n) {
        for (int t = 0; t < n; t++) {
            float theta = (float) (p0 + t);
            int o = t * half;
            for (int i = 0; i < half; i++) {
                ropeCos[o + i] = (float) Math.cos(theta);
                ropeSin[o + i] = (float) Math.sin(theta);
                theta *= thetaScale;
            }
        }
    }

    private void qkNormRopeRows(int from, int to, Qwen3Layer l) {
        float[] qn = l.qNorm();
        float[] kn = l.kNorm();
        for (int t = from; t < to; t++) {
            for (int h = 0; h < c.heads(); h++) {
                normRope(q, t * qDim + h * headDim, qn, t);
            }
            for (int h = 0; h < c.kvHeads(); h++) {
                normRope(k, t * kvDim + h * headDim, kn, t);
            }
        }
    }

    /** One head at {@code a[off ..]} of batch row {@code t}: RMSNorm with {@code norm} (when the model has it), then RoPE. */
    private void normRope(float[] a, int off, float[] norm, int t) {
        if (norm != null) {
            Ops.rmsNorm(a, off, a, off, norm, 0, headDim, eps);
        }
        rope(a, off, t);
    }

    private void swigluRows(int start, int end) {
        Ops.swiglu(gate, start, up, start, end - start);
    }

    /**
     * The per-head steps after the q/k/v products of one decoded position, run by the workers on the
     * rows each has just computed (whole heads: the region's chunks are aligned to the head size):
     * biases, q/k RMSNorm and RoPE as {@link #qkNormRopeRows}, then the position's keys and values
     * into the cache, whose page the caller has reserved.
     */
    private final class QkvHook implements FusedMatVec.RowHook {
        private int layerIndex;
        private Qwen3Layer layer;
        private int pos;

        void layer(int layerIndex, Qwen3Layer layer, int pos) {
            this.layerIndex = layerIndex;
            this.layer = layer;
            this.pos = pos;
        }

        @Override
        public void rowsDone(int start, int end) {
            Qwen3Layer l = layer;
            for (int r = start; r < end; r += headDim) {
                if (r < qDim) {
                    headBias(q, r, l.bq());
                    normRope(q, r, l.qNorm(), 0);
                } else if (r < qDim + kvDim) {
                    int o = r - qDim;
                    headBias(k, o, l.bk());
                    normRope(k, o, l.kNorm(), 0);
                    kv.storeKey(layerIndex, pos, o / headDim, k, o);
                } else {
                    int o = r - qDim - kvDim;
                    headBias(v, o, l.bv());
                    kv.storeValue(layerIndex, pos, o / headDim, v, o);
                }
            }
        }

        private void headBias(float[] a, int off, float[] bias) {
            if (bias != null) {
                VecMath.add(a, off, bias, off, headDim);
            }
        }
    }

    /** NeoX rotation of one head: pairs (i, i + d/2). */
    private void rope(float[] a, int off, int t) {
        Ops.ropeNeox(a, off, half, ropeCos, ropeSin, t * half);
    }

    /**
     * Causal attention for the rows of the current batch, parallel over items of (kv head, run of
     * consecutive tokens); each item handles every query head of its GQA group, so keys and values
     * are read once per group and each loaded vector feeds several query rows. Each parallel chunk
     * owns one scratch, created when the chunk first runs (so a pool with many threads costs memory
     * only for the chunks a batch actually uses).
     */
    private final class AttentionTask implements WorkerPool.ChunkTask {
        private final KvCache.Scratch[] scratch;
        private final int tokensPerItem;
        private int layer;
        private int p0;
        private int nRows;
        private int blocks;
        private int items;
        private int chunks;
        private boolean select;

        AttentionTask(int slots) {
            this.tokensPerItem = Math.max(1, ATTENTION_ROWS / c.groupSize());
            this.scratch = new KvCache.Scratch[slots]; // created on a chunk's first use: decode needs only kvHeads of them
        }

        /** Rows {@code 0..nRows-1} of the batch, or (select) the batch rows listed in {@code rows}. */
        void run(int layer, int p0, int nRows, boolean select) {
            this.layer = layer;
            this.p0 = p0;
            this.nRows = nRows;
            this.select = select;
            // selected rows are not consecutive: one token per item
            this.blocks = select ? nRows : (nRows + tokensPerItem - 1) / tokensPerItem;
            this.items = blocks * c.kvHeads();
            this.chunks = Math.min(items, scratch.length);
            pool.run(chunks, this);
        }

        @Override
        public void run(int chunk) {
            KvCache.Scratch sc = scratch[chunk];
            if (sc == null) { // one chunk runs on one thread at a time; the pool's hand-offs publish it
                sc = kv.newScratch(tokensPerItem * c.groupSize());
                scratch[chunk] = sc;
            }
            int kvHeads = c.kvHeads();
            int group = c.groupSize();
            for (int it = chunk; it < items; it += chunks) {
                int b = it / kvHeads;
                int kvh = it - b * kvHeads;
                int h0 = kvh * group * headDim;
                if (select) {
                    int t = rows[b];
                    kv.attend(layer, kvh, p0 + t, 1, group, attnScale, q, t * qDim + h0, qDim, att, b * qDim + h0, qDim, sc);
                } else {
                    int t0 = b * tokensPerItem;
                    int nt = Math.min(tokensPerItem, nRows - t0);
                    kv.attend(layer, kvh, p0 + t0, nt, group, attnScale, q, t0 * qDim + h0, qDim, att, t0 * qDim + h0, qDim, sc);
                }
            }
        }
    }
}
