package org.vlm4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The closest-aspect-ratio grid choice of {@code dynamic_preprocess}; examples from spec section 9.3. */
class TileGridTest {

    private static final ImagePreprocessor PRE = new ImagePreprocessor(PreprocessConfig.internVlDefaults());

    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}, {4} tiles")
    @CsvSource({
        "448, 448, 1, 1, 1",
        "224, 224, 1, 1, 1",
        "512, 512, 1, 1, 1",
        "633, 633, 1, 1, 1",
        "634, 634, 2, 2, 5",
        "1000, 1000, 3, 3, 10",
        "1200, 1200, 3, 3, 10",
        "300, 200, 3, 2, 7",
        "640, 480, 4, 3, 13",
        "800, 600, 4, 3, 13",
        "1024, 768, 4, 3, 13",
        "4000, 3000, 4, 3, 13",
        "1920, 1080, 4, 2, 9",
        "1280, 720, 4, 2, 9",
        "1080, 1920, 2, 4, 9",
        "300, 1200, 1, 4, 5",
        "2000, 500, 4, 1, 5",
        "100, 1000, 1, 10, 11",
    })
    void workedExamplesOfTheSpec(int w, int h, int cols, int rows, int tiles) {
        assertEquals(new TileGrid(cols, rows), TileGrid.choose(w, h, 1, 12, 448));
        assertEquals(tiles, PRE.tileCountFor(w, h));
    }

    @Test
    void squareImagesSwitchTo2x2JustAboveHalfTheGridArea() {
        // 1x1, 2x2, 3x3 share ratio 1; 2x2 wins only if W*H > 0.5 * 448^2 * 4 = 401,408
        assertEquals(new TileGrid(1, 1), TileGrid.choose(633, 633, 1, 12, 448)); // 400,689
        assertEquals(new TileGrid(2, 2), TileGrid.choose(634, 634, 1, 12, 448)); // 401,956
        // 3x3 needs > 0.5 * 448^2 * 9 = 903,168: 950^2 = 902,500 stays 2x2, 951^2 = 904,401 goes 3x3
        assertEquals(new TileGrid(2, 2), TileGrid.choose(950, 950, 1, 12, 448));
        assertEquals(new TileGrid(3, 3), TileGrid.choose(951, 951, 1, 12, 448));
    }

    @Test
    void sixteenByNinePicksRatioTwoAndTheAreaRuleChoosesBetween2x1And4x2() {
        // 16:9 = 1.778 is closer to 2.0 than to 1.5; 4x2 needs W*H > 802,816
        assertEquals(new TileGrid(2, 1), TileGrid.choose(1184, 666, 1, 12, 448)); // 788,544
        assertEquals(new TileGrid(4, 2), TileGrid.choose(1200, 675, 1, 12, 448)); // 810,000
    }

    @Test
    void tileLimitsRestrictTheCandidates() {
        assertEquals(new TileGrid(1, 1), TileGrid.choose(4000, 3000, 1, 1, 448));
        // 4:3 with at most 2 tiles: |1 - 1.333| = 0.333 (1x1) beats |2 - 1.333| = 0.667 (2x1)
        assertEquals(new TileGrid(1, 1), TileGrid.choose(640, 480, 1, 2, 448));
        // with min 2 tiles even a tiny square image gets at least two tiles
        TileGrid g = TileGrid.choose(100, 100, 2, 12, 448);
        assertTrue(g.tiles() >= 2, g.toString());
        assertEquals(new TileGrid(2, 2), g); // ratio 1 at product 4 is the first exact match
        // very wide images clamp to the widest allowed grid
        assertEquals(new TileGrid(12, 1), TileGrid.choose(10_000, 10, 1, 12, 448));
        assertEquals(new TileGrid(1, 12), TileGrid.choose(10, 10_000, 1, 12, 448));
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> TileGrid.choose(0, 10, 1, 12, 448));
        assertThrows(IllegalArgumentException.class, () -> TileGrid.choose(10, 10, 0, 12, 448));
        assertThrows(IllegalArgumentException.class, () -> TileGrid.choose(10, 10, 5, 4, 448));
        assertThrows(IllegalArgumentException.class, () -> TileGrid.choose(10, 10, 1, 12, 0));
        assertThrows(IllegalArgumentException.class, () -> new TileGrid(0, 1));
    }
}
