package org.vlm4j.hub;

import java.nio.file.Path;

/** A text GGUF and its mmproj GGUF (null when the model has none), as front ends load them. */
public record ResolvedModel(Path textGguf, Path mmprojGguf) {}
