package dev.schedlock.sidecar.process;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Command lines of sidecars on the local PostgreSQL (the SQLite ones are in {@link Sidecars}),
 * with timing fast enough for a failover in seconds and slow enough for a new connection to a
 * server that is just coming back: TTL 4 s, heartbeat 1 s, retry 0.5 s, permits 1 s.
 */
final class PostgresSidecars {

    static final String LOCK = "jobs";
    static final Duration TTL = Duration.ofSeconds(4);
    static final Duration RETRY = Duration.ofMillis(500);

    private PostgresSidecars() {
    }

    /** {@code run} on {@code url} in {@code schema} as {@code user}, ports chosen by the system. */
    static List<String> runArgs(String user, String url, String schema, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--store", url, "--store-user", user,
                "--store-schema", schema, "--lock-name", LOCK,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0",
                "--ttl", TTL.toMillis() + "ms", "--heartbeat-interval", "1s",
                "--retry-interval", RETRY.toMillis() + "ms", "--permit-ttl", "1s"));
        args.addAll(List.of(extra));
        return args;
    }

    /** A one-shot command ({@code status}, {@code history}) on {@code url} in {@code schema} as {@code user}. */
    static List<String> oneShotArgs(String command, String user, String url, String schema, String... extra) {
        List<String> args = new ArrayList<>(List.of(command, "--store", url, "--store-user", user,
                "--store-schema", schema, "--lock-name", LOCK));
        args.addAll(List.of(extra));
        return args;
    }

    /** The body of its {@code /readyz}, or empty while it does not answer; for polling. */
    static String readyz(SidecarProcess p) {
        try {
            return p.statusGet("/readyz").body();
        } catch (IOException | CompletionException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Everything it wrote so far, standard output and error. */
    static String output(SidecarProcess p) {
        return String.join("\n", p.stdoutLines()) + "\n" + String.join("\n", p.stderrLines());
    }

    /** How often it has said that it could not use the store yet at start-up. */
    static int failedStarts(SidecarProcess p) {
        return (int) p.stderrLines().stream().filter(line -> line.contains("store not usable yet")).count();
    }
}
