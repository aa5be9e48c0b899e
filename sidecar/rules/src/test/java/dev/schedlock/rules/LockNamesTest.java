package dev.schedlock.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LockNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"default", "team-a.billing", "A_1", "9"})
    void shouldAcceptLettersDigitsDotsUnderscoresAndDashes(String name) {
        assertThat(LockNames.isValid(name)).isTrue();
        assertThat(LockNames.isValid(name + "x".repeat(128 - name.length()))).as("128 characters").isTrue();
        assertThat(LockNames.isValid(name + "x".repeat(129 - name.length()))).as("129 characters").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", ".a", "a/b", "a b", "a\n", "é"})
    void shouldRefuseOthersNamingTheSettingAsTheCallerDoes(String name) {
        assertThat(LockNames.isValid(name)).isFalse();
        assertThatThrownBy(() -> LockNames.require("lockName", name))
                .hasMessageStartingWith("lockName '")
                .hasMessageContaining("use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
}
