/**
 * Conversation driving on top of a {@link org.vlm4j.model.LanguageModel}, in token ids:
 * {@link org.vlm4j.chat.Session} (KV cache reuse across turns), {@link org.vlm4j.chat.Sampler}
 * and {@link org.vlm4j.chat.Generator} (the decode loop with stop conditions, streaming listener
 * and cancellation). Text, templates and tokenization are layered on top by the tokenizer-aware
 * front ends.
 */
package org.vlm4j.chat;
