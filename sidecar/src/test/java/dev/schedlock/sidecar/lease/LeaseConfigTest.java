package dev.schedlock.sidecar.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Timing validation: nonsense is refused before anything runs, with a message naming what to change. */
class LeaseConfigTest {

    @Test
    void shouldUseTheDocumentedDefaults() {
        LeaseConfig config = LeaseConfig.defaults();

        assertThat(config.lockName()).isEqualTo("default");
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.ttl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.retryInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.permitTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.safetyMargin()).as("ttl / 10").isEqualTo(Duration.ofSeconds(6));
        assertThat(config.statementTimeout()).as("min(heartbeat, ttl - margin - heartbeat)")
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(config.drainTimeout()).as("permit ttl + 5 s").isEqualTo(Duration.ofSeconds(15));
        assertThat(config.takeoverPolicy()).isEqualTo(TakeoverPolicy.STORE_CLOCK);
        assertThat(config.permitMode()).isEqualTo(PermitMode.POD);
        assertThat(config.jitter()).isEqualTo(0.2);
        assertThat(config.localValidity()).isEqualTo(Duration.ofSeconds(54));
        assertThat(config.ttlMillis()).isEqualTo(60_000);
    }

    @Test
    void shouldAcceptTheShortTimingUsedByTests() {
        LeaseConfig config = LeaseConfig.builder()
                .ttl(Duration.ofSeconds(2))
                .heartbeatInterval(Duration.ofMillis(500))
                .retryInterval(Duration.ofMillis(200))
                .permitTtl(Duration.ofSeconds(1))
                .build();

        assertThat(config.safetyMargin()).isEqualTo(Duration.ofMillis(200));
        assertThat(config.statementTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.localValidity()).isEqualTo(Duration.ofMillis(1_800));
    }

    @Test
    void shouldShortenTheDefaultStatementTimeoutToFitBeforeTheDeadline() {
        // ttl - margin - heartbeat = 30 - 3 - 10 = 17 s > 10 s; with a 12 s margin: 8 s.
        LeaseConfig config = LeaseConfig.builder().ttl(Duration.ofSeconds(30)).safetyMargin(Duration.ofSeconds(12)).build();

        assertThat(config.statementTimeout()).isEqualTo(Duration.ofSeconds(8));
    }

    record Refusal(String name, UnaryOperator<LeaseConfig.Builder> change, List<String> messageNames) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Refusal refusal(String name, UnaryOperator<LeaseConfig.Builder> change, String... messageNames) {
        return new Refusal(name, change, List.of(messageNames));
    }

    static Stream<Refusal> refusals() {
        return Stream.of(
                refusal("ttl below 3 × heartbeat", b -> b.ttl(Duration.ofSeconds(29)),
                        "ttl (29s)", "heartbeat-interval (10s)", "raise ttl to at least 30s"),
                refusal("heartbeat above ttl / 3", b -> b.heartbeatInterval(Duration.ofSeconds(21)),
                        "heartbeat-interval (21s)", "lower heartbeat-interval to at most 20s"),
                refusal("permit-ttl equal to ttl", b -> b.permitTtl(Duration.ofSeconds(60)),
                        "permit-ttl (60s)", "lower permit-ttl"),
                refusal("permit-ttl above ttl", b -> b.permitTtl(Duration.ofSeconds(90)),
                        "permit-ttl (90s)", "lower permit-ttl"),
                refusal("safety-margin equal to ttl", b -> b.safetyMargin(Duration.ofSeconds(60)),
                        "safety-margin (60s)", "lower safety-margin"),
                refusal("safety-margin above ttl", b -> b.safetyMargin(Duration.ofSeconds(61)),
                        "safety-margin (61s)", "lower safety-margin"),
                refusal("heartbeat + statement-timeout beyond ttl - safety-margin",
                        b -> b.statementTimeout(Duration.ofSeconds(45)),
                        "statement-timeout (45s)", "ttl - safety-margin (54s)", "lower statement-timeout to at most 44s"),
                refusal("safety-margin leaving less than a heartbeat", b -> b.safetyMargin(Duration.ofSeconds(55)),
                        "ttl - safety-margin (5s)", "lower safety-margin to at most 40s"),
                refusal("safety-margin and statement-timeout both too long",
                        b -> b.ttl(Duration.ofSeconds(30)).statementTimeout(Duration.ofSeconds(25))
                                .safetyMargin(Duration.ofSeconds(20)),
                        "ttl - safety-margin (10s)", "lower statement-timeout and safety-margin"),
                refusal("retry-interval equal to ttl", b -> b.retryInterval(Duration.ofSeconds(60)),
                        "retry-interval (60s)", "lower retry-interval"),
                refusal("retry-interval above ttl", b -> b.retryInterval(Duration.ofSeconds(61)),
                        "retry-interval (61s)", "lower retry-interval"),
                refusal("zero ttl", b -> b.ttl(Duration.ZERO), "ttl (0s) must be positive"),
                refusal("negative ttl", b -> b.ttl(Duration.ofSeconds(-60)), "ttl (-60s) must be positive"),
                refusal("zero heartbeat", b -> b.heartbeatInterval(Duration.ZERO), "heartbeat-interval (0s) must be positive"),
                refusal("zero retry", b -> b.retryInterval(Duration.ZERO), "retry-interval (0s) must be positive"),
                refusal("negative retry", b -> b.retryInterval(Duration.ofMillis(-1)), "retry-interval (-1ms) must be positive"),
                refusal("zero permit-ttl", b -> b.permitTtl(Duration.ZERO), "permit-ttl (0s) must be positive"),
                refusal("zero statement-timeout", b -> b.statementTimeout(Duration.ZERO),
                        "statement-timeout (0s) must be positive"),
                refusal("negative safety-margin", b -> b.safetyMargin(Duration.ofSeconds(-1)),
                        "safety-margin (-1s) must not be negative"),
                refusal("negative drain-timeout", b -> b.drainTimeout(Duration.ofSeconds(-1)),
                        "drain-timeout (-1s) must not be negative"),
                refusal("negative jitter", b -> b.jitter(-0.1), "jitter (-0.1)"),
                refusal("jitter above 1", b -> b.jitter(1.5), "jitter (1.5)"),
                refusal("jitter not a number", b -> b.jitter(Double.NaN), "jitter (NaN)"),
                refusal("ttl above 1h", b -> b.ttl(Duration.ofMinutes(61)), "ttl (3660s) must be at most 1h"),
                refusal("ttl of 100000 days", b -> b.ttl(Duration.ofDays(100_000)), "ttl must be at most 3650d"),
                refusal("heartbeat of 100000 days", b -> b.heartbeatInterval(Duration.ofDays(100_000)),
                        "heartbeat-interval must be at most 3650d"),
                refusal("drain-timeout above 1h", b -> b.drainTimeout(Duration.ofMinutes(61)),
                        "drain-timeout (3660s) must be at most 1h"),
                refusal("idle-step-down below ttl", b -> b.idleStepDown(Duration.ofSeconds(59)),
                        "idle-step-down (59s) must be at least ttl (60s)", "raise idle-step-down to at least 60s"),
                refusal("idle-step-down below 2 × permit-ttl",
                        b -> b.permitTtl(Duration.ofSeconds(40)).idleStepDown(Duration.ofSeconds(79)),
                        "idle-step-down (79s) must be at least 2 × permit-ttl (40s)", "at least 80s"),
                refusal("idle-step-down above 7d", b -> b.idleStepDown(Duration.ofDays(8)),
                        "idle-step-down (691200s) must be at most 7d"),
                refusal("negative idle-step-down", b -> b.idleStepDown(Duration.ofSeconds(-1)),
                        "idle-step-down (-1s) must not be negative"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void shouldRefuseInconsistentTimingNamingTheValueToChange(Refusal r) {
        LeaseConfig.Builder builder = r.change().apply(LeaseConfig.builder());

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .message().contains(r.messageNames());
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "-leading-dash", ".hidden", "has space", "a/b", "ünïcode", "semi;colon"})
    void shouldRefuseBadLockNames(String name) {
        assertThatThrownBy(() -> LeaseConfig.builder().lockName(name).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lock-name '" + name + "'");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"a", "default", "billing.jobs_v2-eu", "0"})
    void shouldAcceptGoodLockNames(String name) {
        assertThatCode(() -> LeaseConfig.builder().lockName(name).build()).doesNotThrowAnyException();
    }

    @Test
    void shouldLimitLockNamesTo128Characters() {
        assertThatCode(() -> LeaseConfig.builder().lockName("x".repeat(128)).build()).doesNotThrowAnyException();
        assertThatThrownBy(() -> LeaseConfig.builder().lockName("x".repeat(129)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lock-name")
                .hasMessageContaining("1-128");
    }

    @Test
    void shouldLeaveTheIdleStepDownOffByDefaultAndAcceptItFromTtlAndTwicePermitTtlUpTo7Days() {
        assertThat(LeaseConfig.defaults().idleStepDown()).isZero();
        assertThat(LeaseConfig.defaults().idleStepDownEnabled()).isFalse();
        for (Duration idle : List.of(Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofDays(7))) {
            LeaseConfig config = LeaseConfig.builder().idleStepDown(idle).build();
            assertThat(config.idleStepDown()).isEqualTo(idle);
            assertThat(config.idleStepDownEnabled()).isTrue();
        }
    }

    @Test
    void shouldAcceptTheLongestTtlAndDrain() {
        assertThatCode(() -> LeaseConfig.builder().ttl(Duration.ofHours(1)).drainTimeout(Duration.ofHours(1)).build())
                .doesNotThrowAnyException();
    }

    @Test
    void shouldFormatDurationsTheWayFlagsAcceptThem() {
        assertThat(LeaseConfig.fmt(Duration.ofSeconds(60))).isEqualTo("60s");
        assertThat(LeaseConfig.fmt(Duration.ofMillis(1_500))).isEqualTo("1500ms");
    }
}
