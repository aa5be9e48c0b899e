package dev.schedlock.sidecar.bench;

import java.util.Arrays;

/**
 * Benchmarks (never timed tests). Run with the {@code bench} profile, e.g.
 * {@code ./mvnw -B -ntp -pl sidecar -Pbench verify -Dbench.args="history 1000000"}.
 * Each prints a Markdown block for docs/benchmarks.md.
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Bench history [rows] | footprint [runs] [java] | handoff <sqlite|postgresql> [n] [candidates] | throughput <sqlite|postgresql> [locks] [candidates] [seconds]"
                    + " | failover <sqlite|postgresql> [n] [ttl] [candidates] [heartbeat] [retry] [store-clock|observed]"
                    + " | handoff-claims <sqlite|postgresql> [n] [candidates] [retry] | notify <sqlite|postgresql> [changes] [long-polls] [streams]"
                    + " | k8s-election <n> <defaults|ours|LEASE_MS:RENEW_MS:RETRY_MS> [candidates]"
                    + " | shedlock <sqlite|postgresql> [seconds] [threads]"
                    + " | churn <sqlite|postgresql> [seconds] [clients] [watchers] [raw|resend]"
                    + " | slow-clients [counts, e.g. 0,64,200] [probes] [interval-ms]"
                    + " | standby-cost <sqlite|postgresql> [seconds] [standbys]"
                    + " | capacity <postgresql|sqlite> [locks, e.g. 10000,25000,50000] [seconds] [pool] [heartbeat] [watch|poll]"
                    + " | watch-cost [seconds] [intervals-ms, e.g. 50,20,10]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "history" -> HistoryQueryBench.main(rest);
            case "footprint" -> FootprintBench.main(rest);
            case "handoff" -> HandoffBench.main(rest);
            case "throughput" -> ThroughputBench.main(rest);
            case "failover" -> FailoverBench.main(rest);
            case "handoff-claims" -> HandoffClaimsBench.main(rest);
            case "notify" -> NotifyBench.main(rest);
            case "k8s-election" -> K8sElectionBench.main(rest);
            case "shedlock" -> ShedLockBench.main(rest);
            case "churn" -> ChurnBench.main(rest);
            case "slow-clients" -> SlowClientsBench.main(rest);
            case "standby-cost" -> StandbyCostBench.main(rest);
            case "capacity" -> CapacityBench.main(rest);
            case "watch-cost" -> WatchCostBench.main(rest);
            default -> {
                System.err.println("unknown benchmark " + args[0]);
                System.exit(2);
            }
        }
    }
}
