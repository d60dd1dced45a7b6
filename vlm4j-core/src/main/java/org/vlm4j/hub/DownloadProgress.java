package org.vlm4j.hub;

/** Receives download progress per file: bytes done (including a resumed part) and total (-1 if unknown). */
@FunctionalInterface
public interface DownloadProgress {
    DownloadProgress NONE = (file, done, total) -> {};

    void update(String file, long bytesDone, long bytesTotal);
}
