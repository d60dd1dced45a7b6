package org.vlm4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/** The decoded-pixel limits of a request and of the whole server. */
class ImageBudgetTest {
    @Test
    void perRequestLimitIsA400NamingTheImage() {
        ImageBudget b = new ImageBudget(1000, 2000);
        try (ImageBudget.Allowance a = b.open()) {
            a.forImage("img0").accept(600);
            ApiException e = assertThrows(ApiException.class, () -> a.forImage("img1").accept(401));
            assertEquals(400, e.status());
            assertEquals("img1", e.param());
            assertEquals("too_many_pixels", e.code());
            a.forImage("img2").accept(400); // exactly at the limit
            assertEquals(1000, a.held());
            assertEquals(1000, b.used());
        }
        assertEquals(0, b.used());
    }

    @Test
    void serverLimitIsA503WithRetryAfterAndPixelsComeBack() {
        ImageBudget b = new ImageBudget(1000, 1500);
        ImageBudget.Allowance first = b.open();
        first.forImage("a").accept(1000);
        try (ImageBudget.Allowance second = b.open()) {
            second.forImage("b").accept(500);
            ApiException e = assertThrows(ApiException.class, () -> second.forImage("c").accept(1));
            assertEquals(503, e.status());
            assertEquals(1, e.retryAfterSeconds());
            assertEquals(1500, b.used(), "the refused image took nothing");
        }
        assertEquals(1000, b.used());
        first.close();
        first.close(); // idempotent
        assertEquals(0, b.used());
    }

    @Test
    void aSecondReaderOfTheSameImageCountsOnlyTheDifference() {
        ImageBudget b = new ImageBudget(1000, 1000);
        try (ImageBudget.Allowance a = b.open()) {
            LongConsumer image = a.forImage("x");
            image.accept(700);
            image.accept(700); // the second reader after the first failed
            assertEquals(700, b.used());
            image.accept(800); // a GIF's logical screen larger than its frame
            assertEquals(800, b.used());
        }
        assertEquals(0, b.used());
    }

    @Test
    void limitsMustBeOrdered() {
        assertThrows(IllegalArgumentException.class, () -> new ImageBudget(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new ImageBudget(10, 5));
    }
}
