package dev.schedlock.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The one duration grammar: what flags, environment variables, queries and the CRD accept and refuse. */
class DurationsTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("500ms", Duration.ofMillis(500)),
                Arguments.of("10s", Duration.ofSeconds(10)),
                Arguments.of("2m", Duration.ofMinutes(2)),
                Arguments.of("1h", Duration.ofHours(1)),
                Arguments.of("0s", Duration.ZERO),
                Arguments.of("1m30s", Duration.ofSeconds(90)),
                Arguments.of("1h0m1s", Duration.ofSeconds(3601)),
                Arguments.of("1.5h", Duration.ofMinutes(90)),
                Arguments.of("2m0.5s", Duration.ofMillis(120_500)),
                Arguments.of("0.001s", Duration.ofMillis(1)),
                Arguments.of("0.0001m", Duration.ofMillis(6)),
                Arguments.of("0.00001h", Duration.ofMillis(36)),
                Arguments.of("1s1m", Duration.ofSeconds(61)),
                Arguments.of("7d", Duration.ofDays(7)),
                Arguments.of("1d12h", Duration.ofHours(36)),
                Arguments.of("3650d", Duration.ofDays(3650)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("accepted")
    void shouldParseWhatPeopleWrite(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
        assertThat(Durations.isValid(text)).isTrue();
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("100000d", "'100000d' is too long: no duration may exceed 3650d"),
                Arguments.of("3651d", "'3651d' is too long"),
                Arguments.of("3650d1ms", "'3650d1ms' is too long"),
                Arguments.of("999999999999d", "'999999999999d' is too long"),
                Arguments.of("-5s", "'-5s' is negative"),
                Arguments.of("1minute", "'1minute' is not a duration: write e.g. 500ms, 10s, 1m30s, 2h or 7d"),
                Arguments.of("60", "'60' is not a duration"),
                Arguments.of("", "'' is not a duration"),
                Arguments.of("10 s", "is not a duration"),
                Arguments.of("10S", "'10S' is not a duration"),
                Arguments.of("PT10S", "'PT10S' is not a duration"),
                Arguments.of("1.5d", "'1.5d' is not a duration"),
                Arguments.of("1h1d", "'1h1d' is not a duration"),
                Arguments.of("0.5ms", "'0.5ms' is not a duration"),
                Arguments.of("0.0005s", "'0.0005s' is not a duration"),
                Arguments.of("1us", "'1us' is not a duration"),
                Arguments.of(".5s", "'.5s' is not a duration"),
                Arguments.of("00000000000000000000000000000001s", "is longer than 32 characters"),
                Arguments.of("10s\u001b[2J", "'10s\\x1b[2J' is not a duration"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refused")
    void shouldRefuseNegativeOverlongAndUnreadableDurationsWithAMessage(String text, String message) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
        assertThat(Durations.isValid(text)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"90000, 90s", "1500, 1500ms", "0, 0s", "-1000, -1s"})
    void shouldFormatAsTheFlagsTakeIt(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
        if (millis >= 0) {
            assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
        }
    }
}
