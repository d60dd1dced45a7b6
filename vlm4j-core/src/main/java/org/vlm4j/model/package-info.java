/**
 * Model-independent contracts of the text decoders: {@link org.vlm4j.model.LanguageModel} (shared,
 * immutable weights), {@link org.vlm4j.model.SequenceState} (one sequence's KV cache and scratch),
 * {@link org.vlm4j.model.ModelInput} (token ids and/or embedding rows for a run of positions) and
 * {@link org.vlm4j.model.ContextFullException}. Concrete models live in sub-packages.
 */
package org.vlm4j.model;
