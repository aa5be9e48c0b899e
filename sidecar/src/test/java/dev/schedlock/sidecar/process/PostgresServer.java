package dev.schedlock.sidecar.process;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Stops and starts the local PostgreSQL server with {@code pg_ctlcluster}, for the fault tests.
 * They share the server with every other test, so {@link #ensureRunning()} must end every test
 * that stops it. Skips (with the reason) where the server cannot be controlled from here.
 */
public final class PostgresServer {

    private static final AtomicBoolean AT_EXIT = new AtomicBoolean();
    /**
     * The cluster to control ({@code pg_ctlcluster <version> <cluster>}): {@code main} by default;
     * a long chaos run may use a cluster of its own ({@code SCHEDLOCK_TEST_PG_CLUSTER}, with
     * {@code SCHEDLOCK_TEST_PG_URL} pointing at its port) so that its restarts disturb nobody else.
     */
    private static final String CLUSTER = System.getenv().getOrDefault("SCHEDLOCK_TEST_PG_CLUSTER", "main");

    private PostgresServer() {
    }

    /** Skips the test unless the server is the local cluster and this user may stop and start it. */
    public static void assumeControllable() throws IOException, InterruptedException {
        assumeTrue(!CLUSTER.equals("main") || LocalPostgres.URL.startsWith("jdbc:postgresql://127.0.0.1:5432/")
                || LocalPostgres.URL.startsWith("jdbc:postgresql://localhost:5432/"),
                "the fault tests stop and start the local cluster; SCHEDLOCK_TEST_PG_URL points elsewhere"
                + " (name its cluster with SCHEDLOCK_TEST_PG_CLUSTER)");
        assumeTrue(Files.isWritable(Path.of("/etc/postgresql")) && version() != null,
                "the fault tests need pg_ctlcluster and the right to run it (root)");
        int status;
        try {
            status = run("status");
        } catch (IOException e) {
            status = -1;
        }
        assumeTrue(status == 0, "`pg_ctlcluster " + version() + " " + CLUSTER
                + " status` does not report a running cluster");
    }

    static void stop() throws IOException, InterruptedException {
        startAgainAtExit();
        check("stop", run("stop"));
    }

    /** Should the test JVM end (a timeout, Ctrl-C) while the server is down, it starts the server on its way out. */
    private static void startAgainAtExit() {
        if (AT_EXIT.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    ensureRunning();
                } catch (IOException | InterruptedException | RuntimeException e) {
                    System.err.println("could not start PostgreSQL again at exit: " + e);
                }
            }, "start-postgres-at-exit"));
        }
    }

    static void start() throws IOException, InterruptedException {
        check("start", run("start"));
        awaitAccepting();
    }

    public static void restart() throws IOException, InterruptedException {
        check("restart", run("restart"));
        awaitAccepting();
    }

    /** Starts the server unless it accepts connections; waits until it does. For every fault test's end. */
    public static void ensureRunning() throws IOException, InterruptedException {
        if (!accepting()) {
            run("start");
            awaitAccepting();
        }
    }

    public static boolean accepting() {
        Properties props = new Properties();
        props.setProperty("user", LocalPostgres.USER);
        props.setProperty("connectTimeout", "2");
        try (Connection c = DriverManager.getConnection(LocalPostgres.URL, props)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void awaitAccepting() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!accepting()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("PostgreSQL does not accept connections 60 s after a start");
            }
            Thread.sleep(100); // waits for another process, the postmaster
        }
    }

    private static void check(String action, int exit) {
        if (exit != 0) {
            throw new IllegalStateException("pg_ctlcluster " + action + " exited with " + exit);
        }
    }

    private static int run(String action) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", version(), CLUSTER, action)
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("pg_ctlcluster " + action + " did not finish in 120 s: " + output);
        }
        return p.exitValue();
    }

    /** The newest cluster version under /etc/postgresql, e.g. {@code 15}; null if there is none. */
    private static String version() throws IOException {
        Path etc = Path.of("/etc/postgresql");
        if (!Files.isDirectory(etc)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(etc)) {
            List<String> names = versions.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+(\\.\\d+)?"))
                    .sorted(Comparator.comparingDouble(Double::parseDouble)).toList();
            return names.isEmpty() ? null : names.get(names.size() - 1);
        }
    }
}
