package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A store pointed at the wrong thing must say what it found and what to do, as a
 * {@link StoreException} of the right kind, and leave what it found exactly as it was: same
 * bytes, and no {@code -wal}, {@code -shm} or {@code -journal} file left next to it.
 */
class SqliteBadInputIT {

    @TempDir
    Path dir;

    @TempDir
    Path childClasspath;

    // ------------------------------------------------------------------ not a schedlock database

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptFiles")
    void shouldRefuseCorruptFileAndLeaveItUnchanged(String what, FileWriter writer) throws IOException {
        Path file = dir.resolve("schedlock.db");
        writer.write(file);

        assertMigrationRefusedWithoutChange(file, Kind.CORRUPT,
                "not a SQLite database or is damaged", "restore it from a backup", "restarts fencing tokens at 1");
    }

    static Stream<Arguments> corruptFiles() {
        return Stream.of(
                Arguments.of("random bytes", (FileWriter) file -> Files.write(file, randomBytes(8192))),
                Arguments.of("a text file", (FileWriter) file ->
                        Files.writeString(file, "job,schedule\nbackup,0 3 * * *\n", StandardCharsets.UTF_8)),
                Arguments.of("a schedlock database with a damaged first page", (FileWriter) file -> {
                    createSchedlockDatabase(file);
                    byte[] bytes = Files.readAllBytes(file);
                    byte[] noise = randomBytes(4096 - 100);
                    System.arraycopy(noise, 0, bytes, 100, noise.length); // keep the 100-byte header
                    Files.write(file, bytes);
                }));
    }

    @Test
    void shouldRefuseDatabaseOfAnotherApplicationAndLeaveItUnchanged() throws Exception {
        Path file = dir.resolve("app.db");
        SqliteFiles.update(file, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
        SqliteFiles.update(file, "INSERT INTO customers (name) VALUES ('ada'), ('grace')");

        assertMigrationRefusedWithoutChange(file, Kind.FOREIGN_DATABASE,
                "tables of another application (customers)", "Point the store at a database", "nothing was changed");
        assertThat(SqliteFiles.rows(file, "SELECT name FROM customers ORDER BY id"))
                .containsExactly(List.of("ada"), List.of("grace"));
        assertThat(SqliteFiles.rows(file, "PRAGMA journal_mode")).as("not switched to WAL")
                .containsExactly(List.of("delete"));
    }

    @Test
    void shouldRefuseSchedlockDatabaseThatAnotherApplicationAddedTablesTo() throws Exception {
        Path file = dir.resolve("schedlock.db");
        createSchedlockDatabase(file);
        SqliteFiles.update(file, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)");

        assertMigrationRefusedWithoutChange(file, Kind.FOREIGN_DATABASE,
                "also tables of another application (invoices)", "Give schedlock a database", "nothing was changed");
    }

    @Test
    void shouldRefuseSchemaMigrationsTableOfAnotherTool() throws Exception {
        Path file = dir.resolve("rails.db");
        SqliteFiles.update(file, "CREATE TABLE schema_migrations (version VARCHAR NOT NULL PRIMARY KEY)");
        SqliteFiles.update(file, "CREATE TABLE ar_internal_metadata (key VARCHAR PRIMARY KEY, value VARCHAR)");
        SqliteFiles.update(file, "INSERT INTO schema_migrations (version) VALUES ('20240101120000')");

        assertMigrationRefusedWithoutChange(file, Kind.FOREIGN_DATABASE,
                "schema_migrations table of another tool", "Point the store at a database", "nothing was changed");
    }

    // ------------------------------------------------------------------ a newer schedlock

    @Test
    void shouldRefuseNewerSchemaAndLeaveItUnchanged() throws Exception {
        Path file = dir.resolve("schedlock.db");
        createSchedlockDatabase(file);
        SqliteFiles.update(file, "INSERT INTO schema_migrations (version, description, applied_at)"
                + " VALUES (99, 'from_the_future', 0)");

        assertMigrationRefusedWithoutChange(file, Kind.NEWER_SCHEMA, "schema version 99",
                "versions up to " + Migration.LATEST, "upgrade this sidecar", "nothing was changed");
        assertThat(SqliteFiles.rows(file, "SELECT MAX(version) FROM schema_migrations")).containsExactly(List.of(99));
    }

    // ------------------------------------------------------------------ nothing to open

    @Test
    void shouldRefuseFileInMissingDirectoryWithoutCreatingIt() {
        Path missing = dir.resolve("no-such-volume");
        Path file = missing.resolve("schedlock.db");

        StoreException e = failureOf(file, LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.CANNOT_OPEN);
        assertThat(e.getMessage()).contains("cannot open the file")
                .contains("Check that " + missing + " exists");
        assertThat(missing).doesNotExist();
        assertThat(SqliteFiles.entries(dir)).isEmpty();
    }

    @Test
    void shouldRefusePathThatIsADirectory() {
        Path directory = dir.resolve("schedlock.db");
        createDirectory(directory);

        StoreException e = failureOf(directory, LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.CANNOT_OPEN);
        assertThat(e.getMessage()).contains(directory + " is a directory, not a database file")
                .contains("point the store at a file in it");
        assertThat(SqliteFiles.entries(directory)).isEmpty();
    }

    // ------------------------------------------------------------------ read-only

    @ParameterizedTest(name = "{0} read-only, {1}")
    @MethodSource("readOnlyCases")
    void shouldReportReadOnlyStoreAndLeaveItUnchanged(ReadOnly what, String call) throws Exception {
        Path volume = dir.resolve("volume");
        createDirectory(volume);
        Path file = volume.resolve("schedlock.db");
        createSchedlockDatabase(file);
        UnprivilegedJava.makeReadableByAll(dir);
        setPermissions(file, what == ReadOnly.FILE ? "r--r--r--" : "rw-rw-rw-");
        setPermissions(volume, what == ReadOnly.DIRECTORY ? "r-xr-xr-x" : "rwxr-xr-x");
        Map<String, FileState> before = snapshot(volume);
        try {
            String outcome = new UnprivilegedJava(childClasspath)
                    .run(StoreProbe.class, file.toString(), call).strip();

            assertThat(outcome).startsWith(Kind.READ_ONLY + "\t")
                    .contains("read-only for this process")
                    .contains("needs write access to " + file + " and to its directory")
                    .contains("Nothing was changed");
            assertThat(snapshot(volume)).isEqualTo(before);
        } finally {
            setPermissions(volume, "rwxr-xr-x");
        }
    }

    enum ReadOnly { FILE, DIRECTORY }

    static Stream<Arguments> readOnlyCases() {
        return Stream.of(ReadOnly.values()).flatMap(what -> Stream.of(
                Arguments.of(what, "migrate"), Arguments.of(what, "acquire")));
    }

    // ------------------------------------------------------------------ helpers

    @FunctionalInterface
    interface FileWriter {
        void write(Path file) throws IOException;
    }

    @FunctionalInterface
    private interface StoreCall {
        void on(LeaseStore store);
    }

    /**
     * Migrating {@code file} fails with {@code kind} and a message that names the file and has
     * every one of {@code messageParts}; no file next to it is changed, added or removed.
     */
    private static void assertMigrationRefusedWithoutChange(Path file, Kind kind, String... messageParts)
            throws IOException {
        Map<String, FileState> before = snapshot(file.getParent());

        StoreException e = failureOf(file, LeaseStore::migrate);

        assertThat(e.kind()).as("kind of: %s", e.getMessage()).isEqualTo(kind);
        assertThat(e.isPermanent()).as("a sidecar that starts on this file exits: waiting cannot fix it").isTrue();
        assertThat(e.getMessage()).contains(file.toString()).contains(messageParts);
        assertThat(snapshot(file.getParent())).as("files next to the store").isEqualTo(before);
    }

    /** What the store threw; fails the test if it threw nothing. */
    private static StoreException failureOf(Path file, StoreCall call) {
        try (LeaseStore store = SqliteFiles.store(file)) {
            call.on(store);
        } catch (StoreException e) {
            return e;
        }
        throw new AssertionError("expected a StoreException on " + file + ", got none");
    }

    /** A schedlock database that has been used, closed cleanly (no -wal or -shm left). */
    private static void createSchedlockDatabase(Path file) {
        try (LeaseStore store = SqliteFiles.store(file)) {
            store.migrate();
            HolderIdentity holder = HolderIdentity.forThisProcess("pod-1", "uid-1", "node-1");
            long token = store.tryAcquire("jobs", holder, 10_000, TakeoverRule.expired()).fencingToken();
            store.release("jobs", holder.id(), token);
        }
        assertThat(SqliteFiles.entries(file.getParent())).containsExactly(file.getFileName().toString());
    }

    private record FileState(long size, String sha256) {
    }

    /** Every file of {@code directory} with its size and hash: shows changed bytes and new files. */
    private static Map<String, FileState> snapshot(Path directory) throws IOException {
        Map<String, FileState> files = new TreeMap<>();
        for (String name : SqliteFiles.entries(directory)) {
            Path file = directory.resolve(name);
            files.put(name, Files.isRegularFile(file)
                    ? new FileState(Files.size(file), SqliteFiles.sha256(file))
                    : new FileState(-1, "directory"));
        }
        return files;
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(20_240_101L).nextBytes(bytes);
        return bytes;
    }

    private static void createDirectory(Path directory) {
        try {
            Files.createDirectory(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void setPermissions(Path path, String permissions) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }
}
