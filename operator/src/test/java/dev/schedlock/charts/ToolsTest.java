package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A missing tool fails the test that needs it, saying how to get it; it never skips it. */
class ToolsTest {

    @Test
    void missingToolShouldFailWithHowToGetIt() {
        assertThatThrownBy(() -> Tools.find("schedlock-no-such-tool", true, "run `bash .ci/run`"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("schedlock-no-such-tool not found on PATH nor in " + Tools.CACHE_BIN)
                .hasMessageContaining("run `bash .ci/run`");
    }
}
