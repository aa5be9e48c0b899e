package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelContextTest {

    @ParameterizedTest
    @CsvSource({"1, 28, false", "1, 29, true", "1, 31, true", "1, 29+, true", "1, 28+, false", "2, 0, true",
        "0, 0, false", "'', '', false", "1, x, false"})
    void shouldUseNativeSidecarsFromKubernetes129(String major, String minor, boolean expected) {
        assertThat(ModelContext.supportsNativeSidecars(major, minor)).isEqualTo(expected);
    }
}
