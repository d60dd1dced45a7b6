/**
 * The Qwen3 text decoder of InternVL3.5 (and the Qwen2/Qwen2.5 decoder of InternVL3) loaded from a
 * GGUF file: {@link org.vlm4j.model.qwen3.Qwen3Model} holds the mapped weights,
 * {@link org.vlm4j.model.qwen3.Qwen3State} runs batched prefill and single-token decode over its KV
 * cache.
 */
package org.vlm4j.model.qwen3;
