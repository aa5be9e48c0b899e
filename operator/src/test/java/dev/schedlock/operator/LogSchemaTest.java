package dev.schedlock.operator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.operator.reconciler.SchedulerDeploymentReconciler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --log-format json} writes the product's log schema (docs/operations.md, "Log lines"): the
 * keys the sidecar writes too, with the resource and the reconcile id as fields of {@code mdc}.
 */
class LogSchemaTest {

    /** The same list as the sidecar's LogSetupTest.SCHEMA. */
    static final List<String> SCHEMA = List.of("timestamp", "level", "threadName", "loggerName", "mdc",
            "formattedMessage", "throwable");

    @Test
    void shouldWriteTheProductsLogSchemaWithTheReconcileIdAsAField() throws Exception {
        LoggerContext context = new LoggerContext();
        LogbackMDCAdapter mdc = new LogbackMDCAdapter();
        context.setMDCAdapter(mdc);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogSchemaTest.class.getResource("/logback-json.xml"));
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>)
                context.getLogger("ROOT").getAppender("STDOUT");
        mdc.put("resource.namespace", "billing");
        mdc.put("resource.name", "reports");
        mdc.put(SchedulerDeploymentReconciler.MDC_RECONCILE, "42");
        try {
            LoggingEvent event = new LoggingEvent(LogSchemaTest.class.getName(),
                    context.getLogger("dev.schedlock.operator.reconciler.LeaderTracker"), Level.INFO,
                    "leader of {} is {} (token {})", null, new Object[] {"reports", "pod-a", 7});

            String line = new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);

            JsonNode json = new ObjectMapper().readTree(line);
            List<String> keys = new ArrayList<>();
            json.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).as(line).containsExactlyElementsOf(SCHEMA);
            assertThat(json.path("mdc").path("reconcile").asText()).isEqualTo("42");
            assertThat(json.path("mdc").path("resource.name").asText()).isEqualTo("reports");
            assertThat(json.path("mdc").path("resource.namespace").asText()).isEqualTo("billing");
            assertThat(json.path("formattedMessage").asText()).isEqualTo("leader of reports is pod-a (token 7)");
            assertThat(json.path("level").asText()).isEqualTo("INFO");
            assertThat(json.path("timestamp").isNumber()).isTrue();
        } finally {
            mdc.clear();
            context.stop();
        }
    }
}
