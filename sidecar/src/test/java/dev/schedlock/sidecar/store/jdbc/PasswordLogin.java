package dev.schedlock.sidecar.store.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Makes the local server ask one role for its password, for as long as this is open.
 *
 * <p>The test server trusts every connection from 127.0.0.1, so a wrong password cannot fail
 * there. This puts one line in front of {@code pg_hba.conf} that requires {@code scram-sha-256}
 * for the given role only (other roles and other test runs are not affected), reloads the server
 * and waits until the rule is in force; {@link #close()} removes the line and reloads again. Lines
 * that a killed test run left behind carry a marker and are removed the next time. Skips the test
 * (with the reason) when the file cannot be written here.
 */
public final class PasswordLogin implements AutoCloseable {

    private static final String MARKER = "# schedlock-test: password for one test role, removed after the test";

    private final Path hbaFile;
    private final String role;
    /** Removes the line should the test JVM end (a timeout, Ctrl-C) before {@link #close()}. */
    private final Thread atExit;

    private PasswordLogin(Path hbaFile, String role) {
        this.hbaFile = hbaFile;
        this.role = role;
        this.atExit = new Thread(this::restoreAtExit, "restore-pg-hba-at-exit");
    }

    /** Requires {@code role} to log in over 127.0.0.1 with the password {@code password} it was created with. */
    public static PasswordLogin requireFor(String role, String password) throws Exception {
        Path hbaFile = Path.of((String) LocalPostgres.rows(null, "SHOW hba_file").get(0).get(0));
        assumeTrue(Files.isWritable(hbaFile), "a wrong password cannot be tested: the server trusts 127.0.0.1 and "
                + hbaFile + " is not writable by this user");
        PasswordLogin login = new PasswordLogin(hbaFile, role);
        Runtime.getRuntime().addShutdownHook(login.atExit);
        List<String> lines = withoutMarkedLines(hbaFile);
        lines.add(0, "host all " + role + " 127.0.0.1/32 scram-sha-256 " + MARKER);
        lines.add(1, "host all " + role + " ::1/128 scram-sha-256 " + MARKER);
        write(hbaFile, lines);
        try {
            login.reloadAndAwait(password);
        } catch (Exception | AssertionError e) {
            login.close();
            throw e;
        }
        return login;
    }

    @Override
    public void close() throws IOException {
        restore();
        Runtime.getRuntime().removeShutdownHook(atExit);
    }

    private void restore() throws IOException {
        write(hbaFile, withoutMarkedLines(hbaFile));
        LocalPostgres.rows(null, "SELECT pg_reload_conf()");
    }

    private void restoreAtExit() {
        try {
            restore();
        } catch (IOException | RuntimeException e) {
            System.err.println("could not restore " + hbaFile + " at exit: " + e);
        }
    }

    /** Reloads the configuration and waits (the reload is asynchronous) until a wrong password fails. */
    private void reloadAndAwait(String password) throws InterruptedException {
        LocalPostgres.rows(null, "SELECT pg_reload_conf()");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (wrongPasswordFails()) {
                canLogIn(password);
                return;
            }
            Thread.sleep(50); // the postmaster rereads pg_hba.conf on SIGHUP, a few ms later
        }
        throw new AssertionError("the server did not start asking " + role + " for a password within 20 s after"
                + " a reload of " + hbaFile);
    }

    private boolean wrongPasswordFails() {
        try {
            connect("not-the-password").close();
            return false;
        } catch (SQLException e) {
            if ("28P01".equals(e.getSQLState())) {
                return true;
            }
            throw new IllegalStateException("unexpected failure logging in as " + role, e);
        }
    }

    private void canLogIn(String password) {
        try {
            connect(password).close();
        } catch (SQLException e) {
            throw new IllegalStateException(role + " cannot log in with its own password", e);
        }
    }

    private java.sql.Connection connect(String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", role);
        props.setProperty("password", password);
        return DriverManager.getConnection(LocalPostgres.URL, props);
    }

    private static List<String> withoutMarkedLines(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.endsWith(MARKER)) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Rewrites the file in place, so that its owner and mode stay as they are. */
    private static void write(Path file, List<String> lines) throws IOException {
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
