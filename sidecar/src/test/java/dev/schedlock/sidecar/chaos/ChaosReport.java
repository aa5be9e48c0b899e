package dev.schedlock.sidecar.chaos;

import dev.schedlock.sidecar.chaos.ChaosRun.Injected;
import dev.schedlock.sidecar.chaos.ChaosRun.Settings;
import dev.schedlock.sidecar.process.PermitChecker.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a chaos run found, from the permits the clients saw (each usable from its answer's arrival
 * until {@code sent + validForMillis} on the test JVM's monotonic clock, see PermitChecker) and
 * from the store's history:
 * <ul>
 *   <li>overlapping permit time: how long permits of two different sidecar processes were valid at
 *       once (must be 0);</li>
 *   <li>token regressions, as the {@code PermitChecker} finds them (must be none);</li>
 *   <li>time without a leader after each fault: the time between the fault and the next one during
 *       which no permit at all was valid, by fault kind;</li>
 *   <li>transitions: acquisitions in the store's history ({@code acquired} + {@code taken_over}),
 *       each with a new fencing token.</li>
 * </ul>
 */
public record ChaosReport(Settings settings, Duration elapsed, List<Answer> permits, List<String> violations,
                          List<Injected> faults, long endNanos, Map<String, Long> history, List<String> incidents,
                          int processes, String checkerSummary) {

    /** Acquisitions in a history counted by kind. */
    static int transitions(Map<String, Long> history) {
        return (int) (history.getOrDefault("acquired", 0L) + history.getOrDefault("taken_over", 0L));
    }

    public int transitions() {
        return transitions(history);
    }

    /** The checker's token findings (an overlap's description names tokens too, so those are left out). */
    public List<String> tokenRegressions() {
        return violations.stream().filter(v -> !v.startsWith("overlap") && v.contains("token")).toList();
    }

    public List<String> otherViolations() {
        return violations.stream().filter(v -> !v.contains("token") && !v.startsWith("overlap")).toList();
    }

    /** The permits their clients could act on: from the answer's arrival to its end (see PermitChecker). */
    private List<Answer> usablePermits() {
        return permits.stream().filter(Answer::isUsable).toList();
    }

    /** Total time during which usable permits of at least two different sidecar processes were held. */
    public Duration overlap() {
        record Edge(long at, String sidecar, int delta) {
        }
        List<Edge> edges = new ArrayList<>();
        for (Answer p : usablePermits()) {
            edges.add(new Edge(p.permitStartNanos(), p.sidecar(), 1));
            edges.add(new Edge(p.permitEndNanos(), p.sidecar(), -1));
        }
        edges.sort(Comparator.comparingLong(Edge::at));
        Map<String, Integer> open = new HashMap<>();
        long overlap = 0;
        long previous = 0;
        for (Edge e : edges) {
            if (open.size() >= 2) {
                overlap += e.at() - previous;
            }
            open.merge(e.sidecar(), e.delta(), (a, b) -> a + b == 0 ? null : a + b);
            previous = e.at();
        }
        return Duration.ofNanos(overlap);
    }

    /** For each fault, how long no permit was valid between it and the next fault (or the end). */
    long[] leaderlessNanos() {
        List<long[]> covered = coverage();
        long[] result = new long[faults.size()];
        for (int i = 0; i < faults.size(); i++) {
            long from = faults.get(i).atNanos();
            long to = i + 1 < faults.size() ? faults.get(i + 1).atNanos() : endNanos;
            long inside = 0;
            for (long[] c : covered) { // few thousand intervals at most: a plain scan will do
                long a = Math.max(from, c[0]);
                long b = Math.min(to, c[1]);
                if (b > a) {
                    inside += b - a;
                }
            }
            result[i] = (to - from) - inside;
        }
        return result;
    }

    /** The union of all permit intervals, as disjoint {@code [start, end]} pairs in order. */
    private List<long[]> coverage() {
        List<Answer> byStart = new ArrayList<>(usablePermits());
        byStart.sort(Comparator.comparingLong(Answer::permitStartNanos));
        List<long[]> merged = new ArrayList<>();
        for (Answer p : byStart) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && p.permitStartNanos() <= last[1]) {
                last[1] = Math.max(last[1], p.permitEndNanos());
            } else {
                merged.add(new long[] {p.permitStartNanos(), p.permitEndNanos()});
            }
        }
        return merged;
    }

    /** Leaderless time after each fault, by fault kind (with the victim's role). */
    public Map<String, long[]> leaderlessByKind() {
        long[] all = leaderlessNanos();
        Map<String, List<Long>> byKind = new TreeMap<>();
        for (int i = 0; i < faults.size(); i++) {
            byKind.computeIfAbsent(faults.get(i).kind(), k -> new ArrayList<>()).add(all[i]);
        }
        Map<String, long[]> result = new TreeMap<>();
        byKind.forEach((kind, values) -> result.put(kind, values.stream().mapToLong(Long::longValue).toArray()));
        return result;
    }

    /** Whether the safety contract held: no overlap, no token regression, no malformed answer. */
    public boolean safe() {
        return overlap().isZero() && violations.isEmpty();
    }

    /** The Markdown block for docs/benchmarks.md. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "### %s, %s takeover%s%n%n", settings.store(), settings.policy(),
                settings.claims() ? ", claims mode (clients claim with POST /v1/claims)" : ""));
        md.append(String.format(Locale.ROOT, "%d sidecars, seed %d, TTL %d ms, ran %.0f s, %d faults, %d sidecar"
                        + " processes in all, %d permits seen by the clients.%n%n",
                settings.sidecars(), settings.seed(), settings.ttl().toMillis(), elapsed.toMillis() / 1e3,
                faults.size(), processes, permits.size()));
        md.append("| figure | value |\n|---|---|\n");
        md.append(String.format(Locale.ROOT, "| overlapping permit time | **%d ms** |%n", overlap().toMillis()));
        md.append(String.format(Locale.ROOT, "| token regressions | **%d** |%n", tokenRegressions().size()));
        md.append(String.format(Locale.ROOT, "| other checker findings | %d |%n", otherViolations().size()));
        md.append(String.format(Locale.ROOT, "| leader transitions (store history: acquired + taken_over) | **%d**"
                + " (target %d) |%n", transitions(), settings.targetTransitions()));
        md.append(String.format(Locale.ROOT, "| history rows by kind | %s |%n", history));
        md.append(String.format(Locale.ROOT, "| incidents (no leader within 30 s, sidecar exited on its own) | %d |%n",
                incidents.size()));
        md.append("\nTime without any valid permit between a fault and the next one:\n\n");
        md.append("| fault | n | p50 | p95 | max |\n|---|---|---|---|---|\n");
        leaderlessByKind().forEach((kind, nanos) -> {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", kind, sorted.length,
                    ms(pick(sorted, 0.5)), ms(pick(sorted, 0.95)), ms(sorted[sorted.length - 1])));
        });
        if (!incidents.isEmpty()) {
            md.append("\nIncidents:\n\n");
            incidents.forEach(i -> md.append("* ").append(i.lines().findFirst().orElse("")).append('\n'));
        }
        return md.toString();
    }

    private static long pick(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
    }
}
