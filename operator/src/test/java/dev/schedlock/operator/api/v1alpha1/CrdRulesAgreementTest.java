package dev.schedlock.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedlock.rules.Durations;
import dev.schedlock.rules.LeaseRules;
import dev.schedlock.rules.LeaseSetting.Naming;
import dev.schedlock.rules.LeaseTiming;
import dev.schedlock.rules.LockNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CRD's rules and the Java rules give the same verdict, on cases generated from a fixed seed
 * plus the edges: the API server (the committed CRD's patterns, lengths and CEL rules, read from
 * the file, not copied) accepts exactly the {@code spec.lease} that the operator's
 * {@link dev.schedlock.rules} accept, which are exactly those whose pods the sidecar starts.
 * Each failure lists the disagreeing cases.
 */
class CrdRulesAgreementTest {

    private static final long SEED = 20_261_202L;
    private static final int RANDOM_DURATIONS = 3000;
    private static final int RANDOM_TIMINGS = 1000;
    private static final int RANDOM_LOCK_NAMES = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode leaseSchema;

    @BeforeAll
    static void loadCrd() throws Exception {
        leaseSchema = CommittedCrd.read().path("spec").path("versions").get(0).path("schema")
                .path("openAPIV3Schema").path("properties").path("spec").path("properties").path("lease");
    }

    @Test
    void shouldAgreeOnWhichDurationsAreWellFormed() throws Exception {
        Random random = new Random(SEED);
        List<String> cases = new ArrayList<>(List.of("", "0", "0s", "0ms", "0d", "1d", "3650d", "3651d", "1.5d",
                "1h1d", "1d1d", "d", "s", "ms", "1", "1S", "1M", "1H", "1 s", " 1s", "1s ", "-1s", "+1s", ".5s", "5.s",
                "1.s", "1.0s", "1.000s", "1.0000s", "1.0001m", "1.00001m", "1.00001h", "1.000001h", "0.5ms", "1us",
                "1µs", "1ns", "PT10S", "pt10s", "1m30s", "1h0m1s", "2m0.5s", "1s1m", "1ms1ms", "1d12h30m15.5s7ms",
                "0".repeat(31) + "1s", "0".repeat(32) + "1s", "99999999999999999999s", "1e3s", "١s", "1sx"));
        for (int i = 0; i < RANDOM_DURATIONS; i++) {
            long millis = randomMillis(random);
            String text = DurationTexts.spell(millis, random);
            cases.add(random.nextInt(3) == 0 ? DurationTexts.mutate(text, random) : text);
        }
        List<String> disagreements = new ArrayList<>();
        for (String text : cases) {
            // The syntax only: each setting's bound is a timing rule, checked below.
            boolean java = Durations.isWellFormed(text);
            List<String> crd = CrdSchemaCheck.violations(leaseSchema.path("properties").path("ttl"), JSON.valueToTree(text));
            if (java != crd.isEmpty()) {
                disagreements.add("'" + text + "': Java " + (java ? "accepts" : "refuses") + ", CRD " + crd);
            }
        }
        assertThat(disagreements).as("durations on which the CRD and the Java rules disagree, of " + cases.size())
                .isEmpty();
        assertThat(cases.stream().filter(Durations::isWellFormed).count()).as("valid cases").isGreaterThan(1000);
        assertThat(cases.stream().filter(t -> !Durations.isWellFormed(t)).count()).as("invalid cases")
                .isGreaterThan(500);
    }

    @Test
    void shouldAgreeOnWhichLeaseTimingsAreAccepted() throws Exception {
        Random random = new Random(SEED + 1);
        List<String[]> cases = new ArrayList<>();
        long hour = 3_600_000;
        // The edges of each rule, exactly and one millisecond to either side.
        for (long[] c : new long[][] {
                {60_000, 10_000, 2_000, 10_000}, {hour, 1_000, 1_000, 1_000}, {hour + 1, 1_000, 1_000, 1_000},
                {hour - 1, 1_000, 1_000, 1_000}, {30_000, 10_000, 2_000, 10_000}, {29_999, 10_000, 2_000, 10_000},
                {30_001, 10_000, 2_000, 10_000}, {3, 1, 1, 1}, {2, 1, 1, 1}, {60_000, 10_000, 60_000, 10_000},
                {60_000, 10_000, 59_999, 59_999}, {60_000, 10_000, 2_000, 60_000}, {60_000, 0, 2_000, 10_000},
                {0, 0, 0, 0}, {60_000, 10_000, 0, 10_000}, {60_000, 10_000, 2_000, 0}, {1, 1, 1, 1},
                {hour, hour / 3, hour - 1, hour - 1}, {hour, hour / 3 + 1, 1, 1}}) {
            cases.add(new String[] {DurationTexts.spell(c[0], random), DurationTexts.spell(c[1], random),
                    DurationTexts.spell(c[2], random), DurationTexts.spell(c[3], random)});
        }
        cases.add(new String[] {"7d", "1d", "1h", "1h"});
        cases.add(new String[] {"0d1h", "0d20m", "0d1m", "0d10m"});
        cases.add(new String[] {"1h", "20m", "1d", "10s"});
        for (int i = 0; i < RANDOM_TIMINGS; i++) {
            long ttl = random.nextInt(10) == 0 ? randomMillis(random)
                    : near(random, random.nextInt(4) == 0 ? hour : 1 + random.nextInt((int) hour));
            // Each setting mostly within its bound, else at the bound or a millisecond or a second beside it.
            long heartbeat = random.nextInt(3) == 0 ? near(random, ttl / 3) : below(random, ttl / 3 + 1);
            long retry = random.nextInt(4) == 0 ? near(random, ttl) : below(random, ttl);
            long permit = random.nextInt(4) == 0 ? near(random, ttl) : below(random, ttl);
            String[] c = {DurationTexts.spell(ttl, random), DurationTexts.spell(heartbeat, random),
                    DurationTexts.spell(retry, random), DurationTexts.spell(permit, random)};
            if (random.nextInt(20) == 0) {
                int field = random.nextInt(4);
                c[field] = DurationTexts.mutate(c[field], random);
            }
            cases.add(c);
        }
        List<String> disagreements = new ArrayList<>();
        int accepted = 0;
        for (String[] c : cases) {
            boolean java = javaAccepts(c);
            ObjectNode lease = JSON.createObjectNode().put("ttl", c[0]).put("heartbeatInterval", c[1])
                    .put("retryInterval", c[2]).put("permitTtl", c[3]);
            List<String> crd = CrdSchemaCheck.violations(leaseSchema, lease);
            accepted += java ? 1 : 0;
            if (java != crd.isEmpty()) {
                disagreements.add(String.format(Locale.ROOT, "ttl=%s heartbeatInterval=%s retryInterval=%s"
                        + " permitTtl=%s: Java %s, CRD %s", c[0], c[1], c[2], c[3], java ? "accepts" : "refuses", crd));
            }
        }
        assertThat(disagreements).as("lease timings on which the CRD and the Java rules disagree, of " + cases.size())
                .isEmpty();
        assertThat(accepted).as("accepted cases").isGreaterThan(cases.size() / 5);
        assertThat(cases.size() - accepted).as("refused cases").isGreaterThan(cases.size() / 5);
    }

    @Test
    void shouldAgreeOnWhichLockNamesAreValid() throws Exception {
        Random random = new Random(SEED + 2);
        String alphabet = "abcXYZ019._-/: \n\u00e9";
        List<String> cases = new ArrayList<>(List.of("", "a", "-a", ".a", "_a", "a-", "A.b_c-9", "a".repeat(128),
                "a".repeat(129), "a b", "a/b", "a\n", "é"));
        for (int i = 0; i < RANDOM_LOCK_NAMES; i++) {
            int length = random.nextInt(4) == 0 ? 124 + random.nextInt(9) : random.nextInt(12);
            // Mostly valid characters, so that the length and first-character rules are reached.
            int oneIn = random.nextBoolean() ? 10 : Integer.MAX_VALUE;
            StringBuilder name = new StringBuilder();
            for (int j = 0; j < length; j++) {
                name.append(random.nextInt(oneIn) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
                        : alphabet.charAt(random.nextInt(12)));
            }
            cases.add(name.toString());
        }
        List<String> disagreements = new ArrayList<>();
        for (String name : cases) {
            boolean java = LockNames.isValid(name);
            List<String> crd = CrdSchemaCheck.violations(leaseSchema.path("properties").path("lockName"),
                    JSON.valueToTree(name));
            if (java != crd.isEmpty()) {
                disagreements.add("'" + name + "': Java " + (java ? "accepts" : "refuses") + ", CRD " + crd);
            }
        }
        assertThat(disagreements).as("lock names on which the CRD and the Java rules disagree, of " + cases.size())
                .isEmpty();
        assertThat(cases.stream().filter(LockNames::isValid).count()).as("valid names").isGreaterThan(300);
    }

    /** What the sidecar of a pod with these four settings (and its defaults for the rest) accepts. */
    private static boolean javaAccepts(String[] c) {
        Duration[] d = new Duration[4];
        for (int i = 0; i < 4; i++) {
            if (!Durations.isValid(c[i])) {
                return false;
            }
            d[i] = Durations.parse(c[i]);
        }
        return LeaseRules.check(LeaseTiming.withDefaults(d[0], d[1], d[2], d[3]), Naming.SPEC).isEmpty();
    }

    /** From 0 to 3 days, most often below 2 hours, where the bounds are. */
    private static long randomMillis(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(2_000);
            case 1 -> random.nextInt(120_000);
            case 2 -> random.nextInt(7_200_000);
            default -> (long) (random.nextDouble() * 3 * 86_400_000L);
        };
    }

    /** From 1 to {@code bound - 1}, or 0 when there is no such value. */
    private static long below(Random random, long bound) {
        return bound > 1 ? 1 + (long) (random.nextDouble() * (bound - 1)) : 0;
    }

    /** {@code value} or a millisecond or a second to either side of it, never negative. */
    private static long near(Random random, long value) {
        long[] offsets = {0, 0, 1, -1, 1_000, -1_000};
        return Math.max(0, value + offsets[random.nextInt(offsets.length)]);
    }
}
