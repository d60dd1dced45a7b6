package org.vlm4j.cli.bench;

import java.util.OptionalLong;

/**
 * Everything one {@code vlm4j bench} run measured, ready to be printed as a table or JSON.
 *
 * @param text facts about the text model file
 * @param visionFile facts about the mmproj file, or null without {@code --mmproj}
 * @param settings what was asked for (sizes, repetitions, threads, seed)
 * @param contextSize KV-cache positions of the state the text tests ran in
 * @param kvCommittedBytes bytes of KV-cache pages the text state had allocated at the end (pages
 *     are committed as positions are used), 0 when no text test ran
 * @param load milliseconds from opening the files to a model ready to chat, per repetition
 * @param loadTextMs the text-model part (open, map, build) of the last timed load
 * @param loadVisionMs the vision part of the last timed load (0 without {@code --mmproj})
 * @param prefill prompt tokens per second per repetition, or null when skipped ({@code -p 0})
 * @param decode generated tokens per second per repetition, or null when skipped ({@code -n 0})
 * @param vision milliseconds per tile per repetition, or null without {@code --mmproj}
 * @param tileSize side of the vision tile in pixels (0 without {@code --mmproj})
 * @param peakRssBytes the process's peak resident set size at the end, if the OS reports it
 * @param vectorBits {@code FloatVector.SPECIES_PREFERRED.vectorBitSize()} (0 if unavailable)
 * @param kernels the kernels' self-description, or null if this build has none
 * @param jvm the Java runtime version and VM
 * @param os the operating system and architecture
 */
public record BenchResult(ModelFacts text, ModelFacts visionFile, BenchSettings settings, int contextSize,
        long kvCommittedBytes, Samples load, double loadTextMs, double loadVisionMs, Samples prefill, Samples decode, Samples vision, int tileSize,
        OptionalLong peakRssBytes, int vectorBits, String kernels, String jvm, String os) {
}
