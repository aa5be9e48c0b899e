package dev.schedlock.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Text from flags and rows is printed one line per value, with no terminal control. */
class PrintableTextTest {

    static Stream<Arguments> escapes() {
        return Stream.of(
                Arguments.of("pod-a\n2026-01-01T00:00:00Z  acquired  99  evil",
                        "pod-a\\n2026-01-01T00:00:00Z  acquired  99  evil"),
                Arguments.of("a\rb\tc", "a\\rb\\tc"),
                Arguments.of("\u001b[2J\u001b]0;title\u0007", "\\x1b[2J\\x1b]0;title\\x07"),
                Arguments.of("\u0085next line", "\\x85next line"),
                Arguments.of("abc\u202edcba", "abc\\u202edcba"),
                Arguments.of("line\u2028separator", "line\\u2028separator"),
                Arguments.of("\ud800lone surrogate", "\\ud800lone surrogate"),
                Arguments.of("\udb80\udc00private", "\\U000f0000private"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("escapes")
    void shouldEscapeControlFormatAndSeparatorCharacters(String raw, String shown) {
        assertThat(PrintableText.isPrintable(raw)).isFalse();
        assertThat(PrintableText.escape(raw)).isEqualTo(shown);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "pod-a/uid/0a0a0a", "release --force: node lost", "Grüße, 東京 – ok", "back\\slash"})
    void shouldLeavePrintableTextAlone(String text) {
        assertThat(PrintableText.isPrintable(text)).isTrue();
        assertThat(PrintableText.escape(text)).isSameAs(text);
    }

    @Test
    void shouldKeepNull() {
        assertThat(PrintableText.escape(null)).isNull();
        assertThat(PrintableText.quote(null)).isEqualTo("null");
    }

    @Test
    void shouldQuoteShortValuesWholeAndCutLongOnesWithTheirLength() {
        assertThat(PrintableText.quote("a\nb")).isEqualTo("'a\\nb'");
        assertThat(PrintableText.quote("x".repeat(64))).isEqualTo("'" + "x".repeat(64) + "'");
        assertThat(PrintableText.quote("x".repeat(10_000))).isEqualTo("'" + "x".repeat(64) + "…' (10000 characters)");
    }
}
