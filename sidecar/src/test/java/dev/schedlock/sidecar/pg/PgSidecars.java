package dev.schedlock.sidecar.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Command lines and waits shared by the PostgreSQL process tests. */
final class PgSidecars {

    static final String LOCK = "jobs";
    /** Fast timing, so that a failover takes seconds: TTL 4 s, heartbeat 1 s, retry 0.5 s, permits 1 s. */
    static final Duration TTL = Duration.ofSeconds(4);
    static final Duration RETRY = Duration.ofMillis(500);

    private PgSidecars() {
    }

    /** {@code run} on {@code url} in {@code schema} as the test user, on free ports, with fast timing. */
    static List<String> run(String url, String schema, String... extra) {
        return runAs(LocalPostgres.USER, url, schema, extra);
    }

    static List<String> runAs(String user, String url, String schema, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--store", url, "--store-user", user,
                "--store-schema", schema, "--lock-name", LOCK,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0",
                "--ttl", TTL.toMillis() + "ms", "--heartbeat-interval", "1s",
                "--retry-interval", RETRY.toMillis() + "ms", "--permit-ttl", "1s"));
        args.addAll(List.of(extra));
        return args;
    }

    /** A one-shot command ({@code status}, {@code history}) on {@code url} in {@code schema}. */
    static List<String> oneShot(String command, String user, String url, String schema, String... extra) {
        List<String> args = new ArrayList<>(List.of(command, "--store", url, "--store-user", user,
                "--store-schema", schema, "--lock-name", LOCK));
        args.addAll(List.of(extra));
        return args;
    }

    /** Waits (polling, for a process outside this JVM) until {@code condition} holds. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("still waiting after %s for: %s", timeout, what).isNegative();
            Thread.sleep(50); // polls another process; there is nothing in this JVM to wait on
        }
    }
}
