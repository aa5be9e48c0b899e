package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationsTest {

    @ParameterizedTest
    @CsvSource({"500ms, 500", "10s, 10000", "1m30s, 90000", "1.5h, 5400000", "2m0.5s, 120500"})
    void shouldParseWhatCelParses(String text, long millis) {
        assertThat(GoDurations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"60", "10 s", "7d", "-1s", "PT10S", ""})
    void shouldRefuseWhatTheCrdRefusesWithAnExample(String text) {
        assertThatThrownBy(() -> GoDurations.parse(text)).hasMessageContaining("write e.g. 500ms, 10s");
    }

    @ParameterizedTest
    @CsvSource({"90000, 90s", "1500, 1500ms"})
    void shouldFormatForTheSidecarsFlags(long millis, String flag) {
        assertThat(GoDurations.flag(Duration.ofMillis(millis))).isEqualTo(flag);
    }
}
