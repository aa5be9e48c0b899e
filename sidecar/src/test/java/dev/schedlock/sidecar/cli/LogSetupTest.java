package dev.schedlock.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** A log record is one line, whatever a holder id read from the store holds. */
class LogSetupTest {

    @Test
    void shouldEscapeControlCharactersSoThatAValueCannotForgeALogLine() {
        LogRecord record = new LogRecord(Level.INFO, "lock=default: STANDBY: held by {0} (token {1})");
        record.setLoggerName("dev.schedlock.sidecar.lease.LeaseElector");
        record.setParameters(new Object[] {"evil\n2026-01-01T00:00:00Z ERROR LeaseElector forged \u001b[2J", 1234});

        String line = new LogSetup.PlainFormatter(Map::of).format(record);

        assertThat(line).endsWith(System.lineSeparator());
        assertThat(line.strip()).doesNotContain("\n", "\u001b")
                .endsWith("held by evil\\n2026-01-01T00:00:00Z ERROR LeaseElector forged \\x1b[2J (token 1234)");
    }

    @Test
    void shouldLeaveJsonEscapingToJson() {
        LogRecord record = new LogRecord(Level.INFO, "held by {0}");
        record.setParameters(new Object[] {"evil\nline"});

        String line = new LogSetup.JsonFormatter(Map::of).format(record);

        assertThat(line.strip()).doesNotContain("\n").contains("\"msg\":\"held by evil\\nline\"");
    }
}
