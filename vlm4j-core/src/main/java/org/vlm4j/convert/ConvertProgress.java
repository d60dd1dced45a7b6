package org.vlm4j.convert;

/**
 * Receives the converter's progress: called after every chunk written, with the output file being
 * written, the tensor, and the bytes done and total of that file. Front ends draw a progress bar.
 */
@FunctionalInterface
public interface ConvertProgress {
    ConvertProgress NONE = (file, tensor, done, total) -> {};

    void update(String file, String tensor, long bytesDone, long bytesTotal);
}
