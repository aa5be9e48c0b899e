package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.StepDownStatus;
import dev.schedlock.operator.model.Labels;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the operator does about a step-down request, case by case (the pure part of {@link StepDowns}). */
class StepDownsTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, requested, previous (nonce/phase/pod/token), leader (pod/token), phase after, pod asked
                Arguments.of("nothing requested", null, null, leader("a", 1), null, null),
                Arguments.of("new request, a leads", "n1", null, leader("a", 1), "Requested", "a"),
                Arguments.of("new request, nobody leads", "n1", null, null, "NoLeader", null),
                Arguments.of("in progress, a still leads", "n1", previous("n1", "Requested", "a", 1), leader("a", 1),
                        "Requested", null),
                Arguments.of("in progress, nobody leads yet", "n1", previous("n1", "Requested", "a", 1), null,
                        "Requested", null),
                Arguments.of("b took over", "n1", previous("n1", "Requested", "a", 1), leader("b", 2), "Done", null),
                Arguments.of("one replica: a leads again, new token", "n1", previous("n1", "Requested", "a", 1),
                        leader("a", 2), "Done", null),
                Arguments.of("done is never repeated", "n1", previous("n1", "Done", "a", 1), leader("b", 2), "Done",
                        null),
                Arguments.of("NoLeader is never repeated", "n1", previous("n1", "NoLeader", null, 0), leader("b", 2),
                        "NoLeader", null),
                Arguments.of("annotation removed: the record stays", null, previous("n1", "Done", "a", 1),
                        leader("b", 2), "Done", null),
                Arguments.of("a new value after a done one", "n2", previous("n1", "Done", "a", 1), leader("b", 2),
                        "Requested", "b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldAskTheLeaderOncePerRequestAndReportWhenAnotherHoldingLeads(String name, String requested,
            StepDownStatus previous, LeaderPoll.PodReport leader, String phaseAfter, String asked) {
        StepDowns.Decision d = StepDowns.decide(Optional.ofNullable(requested), previous, Optional.ofNullable(leader),
                NOW);
        assertThat(d.podToAsk()).as("pod asked").isEqualTo(Optional.ofNullable(asked));
        assertThat(d.status() == null ? null : d.status().getPhase()).as("phase").isEqualTo(phaseAfter);
        if (asked != null) {
            assertThat(d.status().getNonce()).isEqualTo(requested);
            assertThat(d.status().getPod()).isEqualTo(asked);
            assertThat(d.status().getFencingToken()).isEqualTo(leader.report().fencingToken());
            assertThat(d.status().getRequestedAt()).isEqualTo("2026-12-02T10:00:00Z");
        }
        if ("Done".equals(phaseAfter) && "Requested".equals(previous.getPhase())) {
            assertThat(d.status().getCompletedAt()).isEqualTo("2026-12-02T10:00:00Z");
            assertThat(d.status().getMessage()).isEqualTo("pod a stepped down; pod " + leader.pod()
                    + " leads with fencing token " + leader.report().fencingToken());
            assertThat(previous.getCompletedAt()).as("the previous status is not changed").isNull();
        }
    }

    @Test
    void shouldReadTheRequestTrimmedAndIgnoreABlankOne() {
        assertThat(StepDowns.requested(annotated(" 20261202T100000Z-1a2b \n"))).hasValue("20261202T100000Z-1a2b");
        assertThat(StepDowns.requested(annotated("  "))).isEmpty();
        assertThat(StepDowns.requested(TestResources.sqlite("billing"))).isEmpty();
        assertThat(StepDowns.requested(annotated("x".repeat(500)))).hasValue("x".repeat(StepDowns.MAX_NONCE));
    }

    private static SchedulerDeployment annotated(String value) {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        sd.getMetadata().setAnnotations(Map.of(Labels.STEP_DOWN_REQUEST_ANNOTATION, value));
        return sd;
    }

    private static LeaderPoll.PodReport leader(String pod, long token) {
        return new LeaderPoll.PodReport(pod, new LeaseReport("jobs.billing", "LEADER", true, token,
                new LeaseReport.Holder(pod + "/uid/nonce", pod, "node"), 1));
    }

    private static StepDownStatus previous(String nonce, String phase, String pod, long token) {
        StepDownStatus s = new StepDownStatus();
        s.setNonce(nonce);
        s.setPhase(phase);
        s.setPod(pod);
        s.setFencingToken(pod == null ? null : token);
        return s;
    }
}
