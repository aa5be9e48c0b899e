package dev.schedlock.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.rules.LeaseRules.Violation;
import dev.schedlock.rules.LeaseSetting.Naming;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The timing rules, as the sidecar (flag names) and the operator (CRD field names) report them. */
class LeaseRulesTest {

    private static LeaseTiming timing(String ttl, String heartbeat, String retry, String permit) {
        return LeaseTiming.withDefaults(Durations.parse(ttl), Durations.parse(heartbeat), Durations.parse(retry),
                Durations.parse(permit));
    }

    @Test
    void shouldAcceptTheDefaultsAndDeriveTheRestAsTheSidecarDoes() {
        LeaseTiming defaults = LeaseTiming.withDefaults(LeaseRules.DEFAULT_TTL, LeaseRules.DEFAULT_HEARTBEAT,
                LeaseRules.DEFAULT_RETRY, LeaseRules.DEFAULT_PERMIT_TTL);
        assertThat(LeaseRules.check(defaults, Naming.FLAG)).isEmpty();
        assertThat(defaults.safetyMargin()).isEqualTo(Duration.ofSeconds(6));
        assertThat(defaults.statementTimeout()).as("min(heartbeat, ttl - margin - heartbeat)")
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.drainTimeout()).as("permit ttl + 5 s").isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void shouldBoundTheDefaultDrainByTheLongestDrain() {
        assertThat(LeaseRules.defaultDrainTimeout(Duration.ofMinutes(59).plusSeconds(58)))
                .isEqualTo(LeaseRules.MAX_DRAIN_TIMEOUT);
        assertThat(LeaseRules.check(timing("1h", "1s", "1s", "59m58s"), Naming.SPEC))
                .as("a permit ttl just below the longest ttl gives pods that start").isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "20s | 10s | 2s  | 10s | ttl (20s) must be at least 3 × heartbeat-interval (10s) | ttl (20s) must be at least 3 × heartbeatInterval (10s)",
        "61m | 10s | 2s  | 10s | ttl (3660s) must be at most 1h                           | lower ttl to at most 1h",
        "60s | 10s | 60s | 10s | lower retry-interval, e.g. to 6s                         | lower retryInterval, e.g. to 6s",
        "60s | 10s | 2s  | 60s | permit-ttl (60s) must be below ttl (60s)                 | permitTtl (60s) must be below ttl (60s)",
        "60s | 0s  | 2s  | 10s | heartbeat-interval (0s) must be positive                 | heartbeatInterval (0s) must be positive",
    })
    void shouldNameTheSettingAsEachCallerNamesIt(String ttl, String heartbeat, String retry, String permit,
                                                  String asFlags, String asFields) {
        assertThat(LeaseRules.check(timing(ttl, heartbeat, retry, permit), Naming.FLAG))
                .singleElement().asString().contains(asFlags);
        assertThat(LeaseRules.check(timing(ttl, heartbeat, retry, permit), Naming.SPEC))
                .singleElement().asString().contains(asFields);
    }

    @Test
    void shouldReportEveryBrokenRelationButOnlyTheRangeWhenAValueIsOutOfRange() {
        List<Violation> relations = LeaseRules.check(timing("60s", "10s", "2m", "2m"), Naming.SPEC);
        assertThat(relations).extracting(Violation::setting)
                .containsExactly(LeaseSetting.PERMIT_TTL, LeaseSetting.RETRY_INTERVAL);

        List<Violation> range = LeaseRules.check(new LeaseTiming(Duration.ofSeconds(60), Duration.ofSeconds(10),
                Duration.ofMinutes(2), Duration.ofSeconds(10), Duration.ofSeconds(6), Duration.ofSeconds(10),
                Duration.ofSeconds(-1), 0.2, Duration.ZERO), Naming.FLAG);
        assertThat(range).singleElement().asString().isEqualTo("drain-timeout (-1s) must not be negative");
    }

    @Test
    void shouldDeriveAStatementTimeoutThatNamesTheRealProblem() {
        assertThat(LeaseRules.defaultStatementTimeout(Duration.ofSeconds(60), Duration.ofSeconds(6), Duration.ZERO))
                .as("a zero heartbeat is the problem, not the statement timeout").isPositive();
        assertThat(LeaseRules.defaultStatementTimeout(Duration.ofSeconds(2), Duration.ofMillis(200),
                Duration.ofSeconds(10))).as("no room: the heartbeat, so that the budget rule speaks")
                .isEqualTo(Duration.ofSeconds(10));
    }
}
