package org.vlm4j.convert;

import org.vlm4j.gguf.GgmlType;
import org.vlm4j.safetensors.SafetensorsTensor;

/**
 * One GGUF tensor to write: its name, GGML shape ({@code ne}, innermost first), output type, and
 * where its values come from: a run of elements of a checkpoint tensor (a whole tensor, or a row
 * range of a fused qkv tensor).
 */
public record PlannedTensor(String name, long[] ne, GgmlType type, SafetensorsTensor source, long firstElement) {
    public PlannedTensor {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    public long rowLength() {
        return ne[0];
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }
}
