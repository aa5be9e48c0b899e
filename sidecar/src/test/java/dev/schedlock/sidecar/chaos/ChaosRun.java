package dev.schedlock.sidecar.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.sidecar.process.PermitChecker;
import dev.schedlock.sidecar.process.PostgresServer;
import dev.schedlock.sidecar.process.SidecarProcess;
import dev.schedlock.sidecar.process.StoreFile;
import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The chaos harness: {@code sidecars} real sidecar processes on one store, a {@link PermitChecker}
 * that polls every one of them as its main container would, and a fault injector that, seeded,
 * picks at random among kill -9 (a fresh sidecar then starts in its place), SIGSTOP for longer
 * than the TTL then SIGCONT, SIGTERM (then a fresh sidecar), and for PostgreSQL (one fault in
 * five) a database restart and the termination of the sidecars' backends; for SQLite with file
 * faults (every other fault) a copy of the file renamed over it, or the file deleted (see
 * {@link #deleteStoreFile()}). The victim of a process fault is the leader nine times out of ten,
 * so that most faults force a transition.
 *
 * <p>A restarted sidecar keeps its pod name (as a StatefulSet pod would) but is a new process with
 * a new holder id; the checker tells incarnations apart ({@code pod-1#2}), so a restarted pod
 * overlapping its own previous incarnation counts as an overlap.
 *
 * <p>It runs until {@code maxDuration} has passed or the store's history holds
 * {@code targetTransitions} acquisitions, whichever comes first; see {@link ChaosReport}.
 */
public final class ChaosRun {

    /** Fast timing, the default of the short run: a transition every few seconds. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(2);

    /**
     * The sidecars' timing, scaled from the TTL: heartbeat TTL/4, retry TTL/10, permit TTL/2
     * (at the default TTL of 2 s: 500 ms, 200 ms and 1 s).
     */
    static List<String> timing(Duration ttl) {
        long ttlMs = ttl.toMillis();
        return List.of("--ttl", ttlMs + "ms", "--heartbeat-interval", ttlMs / 4 + "ms",
                "--retry-interval", ttlMs / 10 + "ms", "--permit-ttl", ttlMs / 2 + "ms");
    }

    private static final Duration LEADER_PATIENCE = Duration.ofSeconds(30);

    /** What the injector can do. */
    public enum Fault {
        KILL9("kill -9, restart"), SIGSTOP("SIGSTOP > TTL, SIGCONT"), SIGTERM("SIGTERM, restart"),
        DB_RESTART("database restart"), BACKEND_TERMINATE("backends terminated"),
        FILE_REPLACE("copy renamed over the file"), FILE_DELETE("file deleted, a sidecar restarted");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    /** One chaos run's parameters. {@code store}: sqlite or postgresql; {@code policy}: store-clock or observed. */
    public record Settings(String store, String policy, Duration maxDuration, int targetTransitions, long seed,
                           int sidecars, Set<Fault> without, Duration ttl, boolean claims, boolean fileFaults) {

        public Settings(String store, String policy, Duration maxDuration, int targetTransitions, long seed,
                        int sidecars, Set<Fault> without) {
            this(store, policy, maxDuration, targetTransitions, seed, sidecars, without, DEFAULT_TTL, false, false);
        }

        /**
         * The same run with the sidecars in claims mode: each client claims and renews (with the
         * handle of its grant) with {@code POST /v1/claims}.
         */
        public Settings withClaims() {
            return new Settings(store, policy, maxDuration, targetTransitions, seed, sidecars, without, ttl, true,
                    fileFaults);
        }

        /** The same run (SQLite) with the store file replaced and deleted under the sidecars, every other fault. */
        public Settings withFileFaults() {
            return new Settings(store, policy, maxDuration, targetTransitions, seed, sidecars, without, ttl, claims,
                    true);
        }

        public Settings {
            if (ttl.toMillis() < 500) {
                throw new IllegalArgumentException("ttl must be at least 500ms, not " + ttl);
            }
            if (!store.equals("sqlite") && !store.equals("postgresql")) {
                throw new IllegalArgumentException("store must be sqlite or postgresql, not " + store);
            }
            if (!policy.equals("store-clock") && !policy.equals("observed")) {
                throw new IllegalArgumentException("policy must be store-clock or observed, not " + policy);
            }
            if (fileFaults && store.equals("postgresql")) {
                throw new IllegalArgumentException("file faults are for a SQLite store");
            }
        }

        boolean postgres() {
            return store.equals("postgresql");
        }

        List<String> timing() {
            return ChaosRun.timing(ttl);
        }

        /** The process faults this run injects. */
        List<Fault> processFaults() {
            return Stream.of(Fault.KILL9, Fault.SIGSTOP, Fault.SIGTERM).filter(f -> !without.contains(f)).toList();
        }

        /** The database faults this run injects: on SQLite only the file faults, if asked for. */
        List<Fault> databaseFaults() {
            Stream<Fault> faults = postgres() ? Stream.of(Fault.DB_RESTART, Fault.BACKEND_TERMINATE)
                    : fileFaults ? Stream.of(Fault.FILE_REPLACE, Fault.FILE_DELETE) : Stream.empty();
            return faults.filter(f -> !without.contains(f)).toList();
        }


        @Override
        public String toString() {
            return store + ", " + policy + ", " + sidecars + " sidecars" + (claims ? " in claims mode" : "")
                    + (fileFaults ? " with file faults" : "")
                    + ", TTL " + ttl.toMillis() + " ms, seed " + seed
                    + (without.isEmpty() ? "" : ", without " + without);
        }
    }

    /** One injected fault: what, on whom (null for the database faults), and when (nanoTime). */
    record Injected(Fault fault, String victim, boolean onLeader, long atNanos) {

        /** The fault kind with the victim's role, the key of the leaderless-time distribution. */
        String kind() {
            if (victim == null) {
                return fault.label;
            }
            return fault.label + (onLeader ? " (leader)" : " (follower)");
        }
    }

    private final Settings settings;
    private final Path dir;
    private final PrintStream log;
    private final Random random;
    private final SidecarProcess[] slots;
    private final int[] generations;
    private final List<SidecarProcess> all = new ArrayList<>();
    private final List<Injected> injected = new ArrayList<>();
    private final List<String> incidents = new ArrayList<>();
    private final String schema = LocalPostgres.uniqueName("chaos");
    /** History of the store files deleted so far, by kind: the run's transitions include theirs. */
    private final Map<String, Long> deletedHistory = new LinkedHashMap<>();
    private String role;
    private PermitChecker checker;
    private long startNanos;

    private ChaosRun(Settings settings, Path dir, PrintStream log) {
        this.settings = settings;
        this.dir = dir;
        this.log = log;
        this.random = new Random(settings.seed());
        this.slots = new SidecarProcess[settings.sidecars()];
        this.generations = new int[settings.sidecars()];
    }

    /** Runs the chaos on a fresh store in {@code dir} (logs of every sidecar go there too). */
    public static ChaosReport run(Settings settings, Path dir, PrintStream log) throws Exception {
        ChaosRun run = new ChaosRun(settings, dir, log);
        return run.run();
    }

    private ChaosReport run() throws Exception {
        log.println("chaos: " + settings + ", up to " + settings.targetTransitions() + " transitions or "
                + settings.maxDuration() + "; logs in " + dir);
        if (settings.postgres()) {
            awaitServer();
            PostgresServer.assumeControllable();
            preparePostgres();
        }
        try {
            for (int slot = 0; slot < slots.length; slot++) {
                slots[slot] = launch(slot);
            }
            checker = settings.claims() ? PermitChecker.claiming(List.of(slots)) : PermitChecker.watching(List.of(slots));
            startNanos = System.nanoTime();
            if (awaitLeader().isEmpty()) {
                throw new AssertionError("no leader within " + LEADER_PATIENCE + " of the start:\n" + describe());
            }
            long end = startNanos + settings.maxDuration().toNanos();
            int transitions = 0;
            while (System.nanoTime() - end < 0 && transitions < settings.targetTransitions()) {
                restartUnexpectedlyDead();
                Optional<Integer> leader = awaitLeader();
                if (leader.isEmpty()) {
                    incidents.add(String.format(Locale.ROOT, "%.1fs: no leader within %s", seconds(), LEADER_PATIENCE));
                }
                // permits flow for a while between faults: 100 ms + up to 0.3 TTL
                Thread.sleep(100 + random.nextInt((int) (settings.ttl().toMillis() * 3 / 10)));
                inject(leader.orElse(-1));
                transitions = transitions().orElse(transitions);
            }
            restartUnexpectedlyDead();
            if (awaitLeader().isEmpty()) {
                incidents.add(String.format(Locale.ROOT, "%.1fs: no leader within %s after the last fault",
                        seconds(), LEADER_PATIENCE));
            }
            Thread.sleep(500); // the last window ends with permits flowing
            long endNanos = System.nanoTime();
            checker.close();
            Map<String, Long> history = new LinkedHashMap<>(awaitHistory());
            deletedHistory.forEach((kind, n) -> history.merge(kind, n, Long::sum));
            return new ChaosReport(settings, Duration.ofNanos(endNanos - startNanos), checker.permits(),
                    checker.violations(), List.copyOf(injected), endNanos, history, List.copyOf(incidents),
                    all.size(), checker.summary());
        } finally {
            if (checker != null) {
                checker.close();
            }
            for (SidecarProcess p : all) {
                p.close();
            }
            if (settings.postgres()) {
                cleanUpPostgres();
            }
        }
    }

    // ------------------------------------------------------------------ faults

    /**
     * One fault: a database fault one time in five (where there are any), else a process fault,
     * aimed at the leader nine times out of ten, so that most faults force a transition.
     */
    private void inject(int leaderSlot) throws IOException, InterruptedException {
        List<Fault> processFaults = settings.processFaults();
        List<Fault> databaseFaults = settings.databaseFaults();
        Fault fault;
        if (settings.fileFaults() && !databaseFaults.isEmpty()) {
            // Every other fault, the first one included, is a file fault, replace and delete in turn,
            // so that even a short run has both.
            int n = injected.size();
            fault = n % 2 == 0 || processFaults.isEmpty() ? databaseFaults.get(n / 2 % databaseFaults.size())
                    : processFaults.get(random.nextInt(processFaults.size()));
        } else {
            List<Fault> faults = databaseFaults.isEmpty() || !processFaults.isEmpty() && random.nextInt(5) > 0
                    ? processFaults : databaseFaults;
            fault = faults.get(random.nextInt(faults.size()));
        }
        boolean onLeader = leaderSlot >= 0 && random.nextInt(10) < 9;
        int slot = onLeader ? leaderSlot : random.nextInt(slots.length);
        onLeader = slot == leaderSlot;
        SidecarProcess victim = slots[slot];
        boolean database = settings.databaseFaults().contains(fault);
        Injected fact = new Injected(fault, database ? null : victim.name(), database || onLeader, System.nanoTime());
        injected.add(fact);
        log.printf(Locale.ROOT, "%8.1fs  #%d %s%n", seconds(), injected.size(),
                database ? fault.label : fault.label + " on " + victim.name() + (onLeader ? " (leader)" : ""));
        switch (fault) {
            case KILL9 -> {
                victim.kill9();
                slots[slot] = launch(slot);
            }
            case SIGSTOP -> {
                victim.sigstop();
                long ttlMs = settings.ttl().toMillis();
                Thread.sleep(ttlMs + ttlMs / 4 + random.nextInt((int) ttlMs / 2)); // longer than the TTL
                victim.sigcont();
            }
            case SIGTERM -> {
                victim.sigterm();
                try {
                    victim.awaitExit(Duration.ofSeconds(30));
                } catch (AssertionError e) {
                    incidents.add(String.format(Locale.ROOT, "%.1fs: %s did not exit within 30 s of SIGTERM",
                            seconds(), victim.name()));
                    victim.kill9();
                }
                slots[slot] = launch(slot);
            }
            case DB_RESTART, BACKEND_TERMINATE -> injectIntoDatabase(fault);
            case FILE_REPLACE -> replaceStoreFile();
            case FILE_DELETE -> deleteStoreFile();
            default -> throw new IllegalStateException(fault.name());
        }
    }

    /**
     * The server is shared with other test runs, which may restart it too: a database fault that
     * finds it down is an incident of the run, not its end.
     */
    private void injectIntoDatabase(Fault fault) throws IOException, InterruptedException {
        try {
            if (fault == Fault.DB_RESTART) {
                PostgresServer.restart();
            } else {
                LocalPostgres.rows(null, "WITH chosen AS MATERIALIZED (SELECT pid FROM pg_stat_activity"
                        + " WHERE usename = ?) SELECT pid FROM chosen WHERE pg_terminate_backend(pid)", role);
            }
        } catch (IllegalStateException e) {
            incidents.add(String.format(Locale.ROOT, "%.1fs: %s failed: %s", seconds(), fault.label,
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        }
    }

    /**
     * A consistent copy of the file ({@code VACUUM INTO}, commits in the -wal included) renamed over
     * it, its old -wal and -shm removed, as a backup put back or a sync tool would: the same store
     * id and holding, in a new file. Every sidecar must notice at its next store operation; the
     * leader revokes at once and takes its holding back from the copy with a new token.
     */
    private void replaceStoreFile() throws IOException {
        Path file = sqlite().path();
        Path copy = dir.resolve("copy.db");
        Files.deleteIfExists(copy);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("VACUUM INTO '" + copy + "'");
        } catch (SQLException e) {
            incidents.add(String.format(Locale.ROOT, "%.1fs: copying the store file failed: %s", seconds(),
                    e.getMessage()));
            return;
        }
        Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // At once, as a careful replacement must: SQLite would read the old file's -wal into the new
        // file (sqlite.org/howtocorrupt.html, "mispairing database files and hot journals").
        removeWalAndShm(file);
    }

    static void removeWalAndShm(Path file) throws IOException {
        Files.deleteIfExists(Path.of(file + "-wal"));
        Files.deleteIfExists(Path.of(file + "-shm"));
    }

    /**
     * The file, its -wal and -shm deleted. Every sidecar must notice at its next store operation,
     * the leader must revoke at once, and none may create the file again. Then a sidecar restarts
     * and creates a new store (new store id, tokens from 1), which the others follow.
     *
     * <p>A new file knows nothing of the old holding, so a sidecar that creates one while the old
     * leader's permits are still valid can lead at once (docs/lease-protocol.md, "Store identity",
     * what is not guaranteed): that window is the documented limit, not what this fault tests. So
     * the file is deleted only while no sidecar is starting (a starting one would create the file),
     * and the restart waits until every sidecar has stopped leading and the longest permit handed
     * out before that has run out.
     */
    private void deleteStoreFile() throws IOException, InterruptedException {
        long startedBy = System.nanoTime() + LEADER_PATIENCE.toNanos();
        while (!Stream.of(slots).allMatch(p -> p.isListening() || !p.isAlive()) && System.nanoTime() - startedBy < 0) {
            Thread.sleep(20); // polls other processes
        }
        history().ifPresent(h -> h.forEach((kind, n) -> deletedHistory.merge(kind, n, Long::sum)));
        Path file = sqlite().path();
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(Path.of(file + suffix));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (anyLeads()) {
            if (System.nanoTime() - deadline > 0) {
                incidents.add(String.format(Locale.ROOT, "%.1fs: a sidecar still leads 10 s after its store file"
                        + " was deleted", seconds()));
                break;
            }
            Thread.sleep(20); // polls other processes
        }
        Thread.sleep(settings.ttl().toMillis() / 2); // the permit TTL: the last old permit runs out
        if (Files.exists(file)) {
            incidents.add(String.format(Locale.ROOT, "%.1fs: a running sidecar created the deleted store file again",
                    seconds()));
        }
        int slot = random.nextInt(slots.length);
        slots[slot].kill9();
        slots[slot] = launch(slot);
    }

    private boolean anyLeads() throws InterruptedException {
        for (SidecarProcess p : slots) {
            if (p.isAlive() && p.isListening()) {
                try {
                    SidecarProcess.Reply reply = p.get("/v1/lease");
                    if (reply.status() == 200 && reply.json().path("leader").asBoolean()) {
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    // not answering: not leading as far as a client can tell
                }
            }
        }
        return false;
    }

    /** A sidecar that exited without being told to is an incident; a fresh one takes its place. */
    private void restartUnexpectedlyDead() throws IOException {
        for (int slot = 0; slot < slots.length; slot++) {
            if (!slots[slot].isAlive()) {
                incidents.add(String.format(Locale.ROOT, "%.1fs: %s exited on its own: %s", seconds(),
                        slots[slot].name(), slots[slot].describe()));
                slots[slot] = launch(slot);
            }
        }
    }

    private SidecarProcess launch(int slot) throws IOException {
        String pod = "pod-" + slot;
        String name = pod + "#" + generations[slot]++;
        List<String> args = new ArrayList<>(List.of("run", "--pod-name", pod,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0",
                "--takeover-policy", settings.policy()));
        args.addAll(settings.timing());
        if (settings.claims()) {
            args.addAll(List.of("--permit-mode", "claims"));
        }
        if (settings.postgres()) {
            args.addAll(List.of("--store", LocalPostgres.URL, "--store-user", role, "--store-schema", schema));
        } else {
            args.addAll(List.of("--store", sqlite().url()));
        }
        SidecarProcess p = SidecarProcess.start(name, dir, args);
        all.add(p);
        if (checker != null) {
            checker.watch(p);
        }
        return p;
    }

    /** The slot whose sidecar gives permits now; empty if none does within the patience. */
    private Optional<Integer> awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + LEADER_PATIENCE.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (int slot = 0; slot < slots.length; slot++) {
                if (holdsPermit(slots[slot])) {
                    return Optional.of(slot);
                }
            }
            Thread.sleep(50); // polls other processes
        }
        return Optional.empty();
    }

    /** Whether {@code p} leads: a permit in pod mode; in claims mode, where a GET is never a permit, {@code leader}. */
    private boolean holdsPermit(SidecarProcess p) throws InterruptedException {
        if (!p.isAlive() || !p.isListening()) {
            return false;
        }
        try {
            SidecarProcess.Reply reply = p.get("/v1/lease");
            if (reply.status() != 200) {
                return false;
            }
            JsonNode lease = reply.json();
            return lease.path("leader").asBoolean() && (settings.claims() || lease.path("validForMillis").asLong() > 0);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ store

    private StoreFile sqlite() {
        return new StoreFile(dir.resolve("lease.db"));
    }

    /** Rows of the store's history by kind; empty while the store cannot be read (database restarting). */
    private Optional<Map<String, Long>> history() {
        try {
            Map<String, Long> byKind = new LinkedHashMap<>();
            if (settings.postgres()) {
                for (List<Object> row : LocalPostgres.rows(schema, "SELECT kind, count(*) FROM scheduler_lock_history"
                        + " WHERE lock_name = 'default' GROUP BY kind ORDER BY kind")) {
                    byKind.put((String) row.get(0), ((Number) row.get(1)).longValue());
                }
            } else {
                for (StoreFile.Transition t : sqlite().history()) {
                    byKind.merge(t.kind(), 1L, Long::sum);
                }
            }
            return Optional.of(byKind);
        } catch (RuntimeException | AssertionError e) {
            return Optional.empty();
        }
    }

    private Map<String, Long> awaitHistory() throws InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            Optional<Map<String, Long>> history = history();
            if (history.isPresent()) {
                return history.get();
            }
            Thread.sleep(200); // the database may be coming back from a restart
        }
        throw new AssertionError("cannot read the store's history");
    }

    /** Acquisitions (free or taken over) so far, in deleted files too: each one a transition with a new token. */
    private Optional<Integer> transitions() {
        return history().map(h -> ChaosReport.transitions(h) + ChaosReport.transitions(deletedHistory));
    }

    /** The server is shared: another test run may be restarting it just now. Waits a little for it. */
    private static void awaitServer() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!PostgresServer.accepting() && System.nanoTime() - deadline < 0) {
            Thread.sleep(500); // another process's restart
        }
    }

    private void preparePostgres() {
        try (var store = LocalPostgres.store(schema)) {
            store.migrate();
        }
        role = LocalPostgres.uniqueName("chaos");
        LocalPostgres.execute("CREATE ROLE " + role + " LOGIN");
        LocalPostgres.execute("GRANT USAGE ON SCHEMA \"" + schema + "\" TO " + role);
        LocalPostgres.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"" + schema + "\" TO "
                + role);
        LocalPostgres.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA \"" + schema + "\" TO " + role);
    }

    private void cleanUpPostgres() throws IOException, InterruptedException {
        PostgresServer.ensureRunning();
        LocalPostgres.dropSchema(schema);
        if (role != null) {
            LocalPostgres.execute("DROP OWNED BY " + role + " CASCADE");
            LocalPostgres.execute("DROP ROLE " + role);
        }
    }

    private double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private String describe() {
        StringBuilder text = new StringBuilder();
        for (SidecarProcess p : slots) {
            text.append(p.describe()).append('\n');
        }
        return text.toString();
    }
}
