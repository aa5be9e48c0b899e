package dev.schedlock.sidecar.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing of the durations that flags and queries accept, and of those they refuse. */
class DurationsTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("500ms", Duration.ofMillis(500)),
                Arguments.of("10s", Duration.ofSeconds(10)),
                Arguments.of(" 2M ", Duration.ofMinutes(2)),
                Arguments.of("1h", Duration.ofHours(1)),
                Arguments.of("0s", Duration.ZERO),
                Arguments.of("PT10S", Duration.ofSeconds(10)),
                Arguments.of("pt1m30s", Duration.ofSeconds(90)),
                Arguments.of("3650d", Duration.ofDays(3650)),
                Arguments.of("P3650D", Duration.ofDays(3650)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void shouldParseWhatPeopleWrite(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("P1000000000D", "'P1000000000D' is too long: no duration may exceed 3650d"),
                Arguments.of("100000d", "'100000d' is too long"),
                Arguments.of("3651d", "'3651d' is too long"),
                Arguments.of("999999999999d", "'999999999999d' is too long"),
                Arguments.of("PT9999999999999999999H", "is not a duration"),
                Arguments.of("PT-5S", "'PT-5S' is negative"),
                Arguments.of("-PT5S", "'-PT5S' is negative"),
                Arguments.of("1minute", "'1minute' is not a duration: write e.g. 500ms"),
                Arguments.of("-5s", "'-5s' is not a duration"),
                Arguments.of("10s\u001b[2J", "'10s\\x1b[2J' is not a duration"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void shouldRefuseNegativeOverlongAndUnreadableDurationsWithAMessage(String text, String message) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
