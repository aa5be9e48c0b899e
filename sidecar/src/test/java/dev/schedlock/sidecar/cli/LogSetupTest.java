package dev.schedlock.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

        assertThat(line.strip()).doesNotContain("\n").contains("\"formattedMessage\":\"held by evil\\nline\"");
    }

    /** The keys of logback's JsonEncoder as operator/src/main/resources/logback-json.xml configures it. */
    static final List<String> SCHEMA = List.of("timestamp", "level", "threadName", "loggerName", "mdc",
            "formattedMessage", "throwable");

    @Test
    void shouldWriteTheProductsLogSchemaWithTheContextAsFields() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "store not usable yet, retrying in {0} ms");
        record.setLoggerName("dev.schedlock.sidecar.cli.Sidecar");
        record.setParameters(new Object[] {1600});
        record.setInstant(Instant.parse("2026-11-27T06:25:18.326Z"));
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("lock", "default");
        context.put("holder", "pod-a/uid/0a0a");
        context.put("token", 12345L);
        context.put("storeId", "0ee5bb41");

        JsonNode line = JSON.readTree(new LogSetup.JsonFormatter(() -> context).format(record));

        assertThat(fieldNames(line)).containsExactlyElementsOf(SCHEMA);
        assertThat(line.path("timestamp").asLong()).isEqualTo(Instant.parse("2026-11-27T06:25:18.326Z").toEpochMilli());
        assertThat(line.path("level").asText()).isEqualTo("WARN");
        assertThat(line.path("threadName").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(line.path("loggerName").asText()).isEqualTo("dev.schedlock.sidecar.cli.Sidecar");
        assertThat(line.path("mdc").toString()).as("MDC values are strings, as logback writes them")
                .isEqualTo("{\"lock\":\"default\",\"holder\":\"pod-a/uid/0a0a\",\"token\":\"12345\","
                        + "\"storeId\":\"0ee5bb41\"}");
        assertThat(line.path("formattedMessage").asText()).as("numbers without grouping")
                .isEqualTo("store not usable yet, retrying in 1600 ms");
        assertThat(line.path("throwable").isNull()).isTrue();
    }

    @Test
    void shouldMoveTheLeaseFieldsOfALeaseLineOutOfTheMessage() throws Exception {
        LogRecord record = new LogRecord(Level.INFO, "lock={0} holder={1} token={2}: {3} -> {4}: {5}");
        record.setParameters(new Object[] {"billing", "pod-b/uid/0b0b", 1234L, "STANDBY", "LEADER",
            "acquired with token 1234"});
        // The context lags the event: the token of the line is the event's.
        Map<String, Object> context = Map.of("lock", "billing", "holder", "pod-b/uid/0b0b", "token", 0L);

        JsonNode line = JSON.readTree(new LogSetup.JsonFormatter(() -> context).format(record));

        assertThat(line.path("formattedMessage").asText()).isEqualTo("STANDBY -> LEADER: acquired with token 1234");
        assertThat(line.path("mdc").path("lock").asText()).isEqualTo("billing");
        assertThat(line.path("mdc").path("holder").asText()).isEqualTo("pod-b/uid/0b0b");
        assertThat(line.path("mdc").path("token").asText()).isEqualTo("1234");
    }

    @Test
    void shouldMoveLockAndHolderOutOfALeaseLineWithoutToken() throws Exception {
        LogRecord record = new LogRecord(Level.INFO, "lock={0} holder={1}: permits drained in {2} ms");
        record.setParameters(new Object[] {"billing", "pod-b/uid/0b0b", 5});

        JsonNode line = JSON.readTree(new LogSetup.JsonFormatter(Map::of).format(record));

        assertThat(line.path("formattedMessage").asText()).isEqualTo("permits drained in 5 ms");
        assertThat(line.path("mdc").toString()).isEqualTo("{\"lock\":\"billing\",\"holder\":\"pod-b/uid/0b0b\"}");
    }

    @Test
    void shouldFollowMessageFormatQuotingAndNeverReadParametersAsFormats() throws Exception {
        LogSetup.JsonFormatter formatter = new LogSetup.JsonFormatter(Map::of);

        LogRecord quoted = new LogRecord(Level.WARNING, "could not record lost holding of lock ''{0}'' in history: {1}");
        quoted.setParameters(new Object[] {"it's {0}", "{1} '{2}'"});
        assertThat(JSON.readTree(formatter.format(quoted)).path("formattedMessage").asText())
                .as("'' is one quote; a parameter's quotes and braces are text")
                .isEqualTo("could not record lost holding of lock 'it's {0}' in history: {1} '{2}'");

        LogRecord literal = new LogRecord(Level.INFO, "no parameters: it's {0}");
        assertThat(JSON.readTree(formatter.format(literal)).path("formattedMessage").asText())
                .as("without parameters the text is written as it is").isEqualTo("no parameters: it's {0}");

        LogRecord leaseQuoted = new LogRecord(Level.INFO, "lock={0} holder={1} token={2}: client ''{3}'' {4}");
        leaseQuoted.setParameters(new Object[] {"it's", "h'{0}", 1_000_000L, "w", 2_000_000L});
        JsonNode lease = JSON.readTree(formatter.format(leaseQuoted));
        assertThat(lease.path("formattedMessage").asText()).isEqualTo("client 'w' 2000000");
        assertThat(lease.path("mdc").path("lock").asText()).isEqualTo("it's");
        assertThat(lease.path("mdc").path("holder").asText()).isEqualTo("h'{0}");
        assertThat(lease.path("mdc").path("token").asText()).isEqualTo("1000000");
    }

    @Test
    void shouldWriteAnExceptionAsAnObjectWithItsCause() throws Exception {
        LogRecord record = new LogRecord(Level.SEVERE, "control API request failed");
        record.setThrown(new IllegalStateException("outer", new java.io.IOException("inner")));

        JsonNode line = JSON.readTree(new LogSetup.JsonFormatter(Map::of).format(record));

        JsonNode thrown = line.path("throwable");
        assertThat(fieldNames(thrown)).containsExactly("className", "message", "stepArray", "cause");
        assertThat(thrown.path("className").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(thrown.path("stepArray").get(0).path("methodName").asText())
                .isEqualTo("shouldWriteAnExceptionAsAnObjectWithItsCause");
        assertThat(thrown.path("cause").path("message").asText()).isEqualTo("inner");
        assertThat(line.path("level").asText()).isEqualTo("ERROR");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
