package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vlm4j.model.qwen3.KvCacheType;

/** Defaults, the copy methods (each changes exactly its own settings) and validation. */
class ServerConfigTest {
    private static final Path TEXT = Path.of("models", "tiny-q8_0.gguf");

    @Test
    void defaultsAndDerivedModelId() {
        ServerConfig c = ServerConfig.of(TEXT, null);
        assertEquals("127.0.0.1", c.host());
        assertEquals(ServerConfig.DEFAULT_PORT, c.port());
        assertEquals(1, c.parallel());
        assertEquals(16, c.queue());
        assertEquals(4096, c.contextSize());
        assertEquals(KvCacheType.F16, c.kvCacheType());
        assertEquals("tiny-q8_0", c.modelId());
        assertEquals(List.of(), c.corsOrigins());
    }

    @Test
    void copyMethodsChangeOnlyTheirOwnSettings() {
        ServerConfig base = ServerConfig.of(TEXT, Path.of("mmproj.gguf"));
        assertEquals(new ServerConfig(TEXT, Path.of("mmproj.gguf"), "0.0.0.0", 0, 3, 5, 512, 2, "k", List.of("*"), 99, true, 1234, 55,
                "tiny-q8_0", KvCacheType.F32),
                base.withHost("0.0.0.0").withPort(0).withSlots(3, 5).withContextSize(512).withThreads(2).withApiKey("k")
                        .withCors(List.of("*")).withMaxBodyBytes(99).withRemoteImages(true, 1234, 55).withKvCacheType(KvCacheType.F32));
        assertEquals(base, base.toBuilder().build());
        assertEquals(base.withPort(9).withThreads(4), base.toBuilder().port(9).threads(4).build());
        assertEquals("other", base.toBuilder().modelId("other").build().modelId());
    }

    @Test
    void invalidSettingsAreRejectedWithTheirName() {
        ServerConfig c = ServerConfig.of(TEXT, null);
        assertEquals("port must be in [0, 65535], got 70000",
                assertThrows(IllegalArgumentException.class, () -> c.withPort(70000)).getMessage());
        assertEquals("parallel must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> c.withSlots(0, 1)).getMessage());
        assertEquals("queue must be >= 0, got -1", assertThrows(IllegalArgumentException.class, () -> c.withSlots(1, -1)).getMessage());
        assertEquals("context size must be >= 16, got 8", assertThrows(IllegalArgumentException.class, () -> c.withContextSize(8)).getMessage());
        assertEquals("threads must be between 0 (all processors) and 512, got -1",
                assertThrows(IllegalArgumentException.class, () -> c.withThreads(-1)).getMessage());
        assertEquals("threads must be between 0 (all processors) and 512, got 513",
                assertThrows(IllegalArgumentException.class, () -> c.withThreads(513)).getMessage());
        assertThrows(NullPointerException.class, () -> c.withHost(null));
    }
}
