package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The checker must find what it is there to find, or the process tests prove nothing. */
class PermitCheckerTest {

    private final PermitChecker checker = new PermitChecker(List.of());

    @Test
    void shouldFindNothingWhenPermitsOfTwoSidecarsFollowEachOther() {
        checker.add(permit("a", 0, 1000, 1));
        checker.add(permit("a", 500, 1000, 1));
        checker.add(permit("b", 1500, 1000, 2));
        checker.add(answer("a", 1600, 1));

        assertThat(checker.violations()).isEmpty();
    }

    @Test
    void shouldFindTwoSidecarsWithValidPermitsAtTheSameInstant() {
        checker.add(permit("a", 0, 1000, 1));
        checker.add(permit("a", 800, 1000, 1)); // valid until 1800
        checker.add(permit("b", 1700, 1000, 2));

        assertThat(checker.violations()).singleElement().asString().startsWith("overlap of 99.0 ms"); // b has it at 1701
    }

    @Test
    void shouldFindAnOverlapWhenALateAnswerIsStillValidWhileAnotherSidecarsPermitIs() {
        checker.add(permit("b", 1000, 1000, 2)); // usable 1001-2000
        checker.add(new PermitChecker.Answer("a", ms(900), ms(1500), "LEADER", true, 1, 1000)); // 1500-1900

        assertThat(checker.violations()).singleElement().asString().startsWith("overlap of 400.0 ms");
    }

    @Test
    void shouldCountAPermitFromItsArrivalNotFromItsRequest() {
        // b was asked while a's permit ran, but became leader and answered only after it ended:
        // no client could act on b's permit while a's was valid.
        checker.add(permit("a", 0, 500, 832)); // usable 1-500
        checker.add(new PermitChecker.Answer("b", ms(495), ms(540), "LEADER", true, 833, 500));

        assertThat(checker.violations()).isEmpty();
    }

    @Test
    void shouldIgnoreAnAnswerThatArrivesAfterItsPermitEnded() {
        checker.add(permit("b", 1000, 1000, 2));
        checker.add(new PermitChecker.Answer("a", ms(900), ms(3000), "LEADER", true, 1, 500)); // ended at 1400

        assertThat(checker.violations()).noneMatch(v -> v.startsWith("overlap"));
    }

    @Test
    void shouldFindATokenThatGoesDown() {
        checker.add(permit("a", 0, 100, 2));
        checker.add(permit("b", 200, 100, 1));

        assertThat(checker.violations()).anyMatch(v -> v.startsWith("token went down"));
    }

    @Test
    void shouldFindOneTokenGrantedByTwoSidecars() {
        checker.add(permit("a", 0, 100, 3));
        checker.add(permit("b", 200, 100, 3));

        assertThat(checker.violations()).anyMatch(v -> v.contains("granted by both a and b"));
    }

    @Test
    void shouldFindASidecarWhoseReportedTokenGoesDown() {
        checker.add(answer("c", 0, 5));
        checker.add(answer("c", 100, 4));

        assertThat(checker.violations()).singleElement().asString().isEqualTo("c reported token 5 then 4");
    }

    /** A replaced store counts its tokens anew: token 1 of store "new" follows token 5 of store "old". */
    @Test
    void shouldCompareTokensOnlyWithinOneStore() {
        checker.add(new PermitChecker.Answer("a", ms(0), ms(1), "LEADER", true, 5, "old", 100));
        checker.add(new PermitChecker.Answer("a", ms(150), ms(151), "DEGRADED", false, 5, "old", 0));
        checker.add(new PermitChecker.Answer("b", ms(200), ms(201), "LEADER", true, 1, "new", 100));
        checker.add(new PermitChecker.Answer("a", ms(300), ms(301), "STANDBY", false, 1, "new", 0));
        checker.add(new PermitChecker.Answer("c", ms(400), ms(401), "LEADER", true, 1, "other", 100));

        assertThat(checker.violations()).isEmpty();

        checker.add(new PermitChecker.Answer("a", ms(500), ms(501), "LEADER", true, 4, "old", 100));
        assertThat(checker.violations()).hasSize(2)
                .anySatisfy(v -> assertThat(v).startsWith("token went down: a (token old/5").contains("then a (token old/4"))
                .contains("a reported token 5 then 4");
    }

    private static PermitChecker.Answer permit(String sidecar, long sentMillis, long validForMillis, long token) {
        return new PermitChecker.Answer(sidecar, ms(sentMillis), ms(sentMillis + 1), "LEADER", true, token,
                validForMillis);
    }

    private static PermitChecker.Answer answer(String sidecar, long sentMillis, long token) {
        return new PermitChecker.Answer(sidecar, ms(sentMillis), ms(sentMillis + 1), "STANDBY", false, token, 0);
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
