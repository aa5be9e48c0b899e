package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL store pointed at the wrong thing, or with the wrong credentials, must say what is
 * wrong as a {@link StoreException} of the right kind, never show the password (not in the
 * message, not anywhere in the stack trace), and leave the database exactly as it was.
 *
 * <p>Every store here is given {@link #PASSWORD}; where the server trusts the connection it is
 * simply not used, which is fine: it still must not show up.
 */
class PostgresBadInputIT {

    static final String PASSWORD = "s3cr3t-PASSWORD-xyz";

    private final String schema = LocalPostgres.uniqueName("bad");
    /** Roles and schemas to drop after the test, in reverse order of creation. */
    private final List<Runnable> cleanup = new ArrayList<>();

    @AfterEach
    void dropWhatTheTestCreated() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).run();
        }
        LocalPostgres.dropSchema(schema);
    }

    // ------------------------------------------------------------------ credentials and database

    @Test
    void shouldRefuseWrongPasswordNamingTheUser() throws Exception {
        String role = createRole("schedlock_pw", "LOGIN PASSWORD 'the-right-one'");
        try (PasswordLogin login = PasswordLogin.requireFor(role, "the-right-one")) {

            StoreException e = failureOf(LocalPostgres.store(schema, role, PASSWORD), LeaseStore::migrate);

            assertThat(e.kind()).isEqualTo(Kind.CANNOT_OPEN);
            assertThat(e.getMessage()).contains("authentication failed for user '" + role + "'")
                    .contains("--store-user").contains("--store-password-file").contains("SCHEDLOCK_STORE_PASSWORD");
            try (LeaseStore right = LocalPostgres.store(schema, role, "the-right-one")) {
                assertThat(right.schemaVersion()).as("the same store with the right password").isZero();
            }
        }
        assertThat(LocalPostgres.schemaExists(schema)).isFalse();
    }

    @Test
    void shouldSayThatThePasswordIsMissingWhenTheServerAsksForOne() throws Exception {
        String role = createRole("schedlock_pw", "LOGIN PASSWORD 'the-right-one'");
        try (PasswordLogin login = PasswordLogin.requireFor(role, "the-right-one")) {

            StoreException e = failureOf(LocalPostgres.store(schema, role, null), LeaseStore::migrate);

            assertThat(e.kind()).isEqualTo(Kind.CANNOT_OPEN);
            assertThat(e.getMessage()).contains("user '" + role + "'").contains("no password was provided")
                    .contains("--store-password-file").contains("SCHEDLOCK_STORE_PASSWORD");
        }
        assertThat(LocalPostgres.schemaExists(schema)).isFalse();
    }

    @Test
    void shouldRefuseUnknownDatabaseNamingIt() {
        String database = LocalPostgres.uniqueName("no_such_db");
        String url = LocalPostgres.URL.replaceFirst("/[^/?]+(\\?.*)?$", "/" + database + "$1");
        JdbcLeaseStore store = new JdbcLeaseStore(new PostgresDialect(url, LocalPostgres.USER, PASSWORD, schema,
                LocalPostgres.STATEMENT_TIMEOUT));

        StoreException e = failureOf(store, LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.CANNOT_OPEN);
        assertThat(e.getMessage()).contains("the database does not exist").contains(database)
                .contains("Create it or fix the database name in --store");
        assertThat(LocalPostgres.rows(null, "SELECT 1 FROM pg_database WHERE datname = ?", database)).isEmpty();
    }

    // ------------------------------------------------------------------ someone else's schema

    @Test
    void shouldRefuseSchemaOwnedByAnotherRoleAndLeaveItEmpty() {
        String owner = createRole("schedlock_other", "NOLOGIN");
        String app = createRole("schedlock_app", "LOGIN");
        LocalPostgres.execute("CREATE SCHEMA \"" + schema + "\" AUTHORIZATION " + owner);
        List<List<Object>> before = catalog(schema);

        StoreException e = failureOf(LocalPostgres.store(schema, app, PASSWORD), LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.CANNOT_OPEN);
        assertThat(e.getMessage()).contains("permission denied").contains("User '" + app + "'")
                .contains("schema \"" + schema + "\"");
        assertThat(catalog(schema)).isEqualTo(before).isEmpty();
    }

    @Test
    void shouldRefuseSchemaOwnedByAnotherRoleEvenWithCreateOnTheDatabase() {
        String owner = createRole("schedlock_other", "NOLOGIN");
        String app = createRole("schedlock_app", "LOGIN");
        LocalPostgres.execute("GRANT CREATE ON DATABASE " + currentDatabase() + " TO " + app);
        LocalPostgres.execute("CREATE SCHEMA \"" + schema + "\" AUTHORIZATION " + owner);

        StoreException e = failureOf(LocalPostgres.store(schema, app, PASSWORD), LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.CANNOT_OPEN);
        assertThat(e.getMessage()).contains("permission denied for schema " + schema)
                .contains("User '" + app + "'");
        assertThat(catalog(schema)).isEmpty();
    }

    @Test
    void shouldMigrateIntoItsOwnSchemaWithoutCreateOnTheDatabase() {
        String app = createRole("schedlock_app", "LOGIN");
        LocalPostgres.execute("CREATE SCHEMA \"" + schema + "\" AUTHORIZATION " + app);

        try (LeaseStore store = LocalPostgres.store(schema, app, PASSWORD)) {
            store.migrate();

            assertThat(store.schemaVersion()).isEqualTo(Migration.LATEST);
        }
    }

    @Test
    void shouldRefuseSchemaWithATableItCannotSeeAndAddNothing() {
        String owner = createRole("schedlock_other", "NOLOGIN");
        String app = createRole("schedlock_app", "LOGIN");
        LocalPostgres.execute("CREATE SCHEMA \"" + schema + "\" AUTHORIZATION " + app);
        LocalPostgres.execute("CREATE TABLE \"" + schema + "\".payroll (employee TEXT, amount NUMERIC)");
        LocalPostgres.execute("ALTER TABLE \"" + schema + "\".payroll OWNER TO " + owner);
        List<List<Object>> before = catalog(schema);

        StoreException e = failureOf(LocalPostgres.store(schema, app, PASSWORD), LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.FOREIGN_DATABASE);
        assertThat(e.getMessage()).contains("payroll").contains("schema " + schema);
        assertThat(catalog(schema)).isEqualTo(before);
    }

    // ------------------------------------------------------------------ not schedlock's schema

    @Test
    void shouldRefuseNewerSchemaVersionAndChangeNothing() {
        try (LeaseStore store = LocalPostgres.store(schema)) {
            store.migrate();
        }
        LocalPostgres.execute("INSERT INTO \"" + schema + "\".schema_migrations (version, description, applied_at)"
                + " VALUES (99, 'from_the_future', 0)");
        List<List<Object>> before = catalog(schema);

        StoreException e = failureOf(LocalPostgres.store(schema, LocalPostgres.USER, PASSWORD), LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.NEWER_SCHEMA);
        assertThat(e.isPermanent()).as("a sidecar waits: the server's schema may be rolled forward meanwhile").isFalse();
        assertThat(e.getMessage()).contains("schema " + schema).contains("schema version 99")
                .contains("knows versions up to " + Migration.LATEST).contains("nothing was changed");
        assertThat(catalog(schema)).isEqualTo(before);
    }

    @Test
    void shouldRefuseSchemaOfAnotherApplicationAndChangeNothing() {
        LocalPostgres.execute("CREATE SCHEMA \"" + schema + "\"");
        LocalPostgres.execute("CREATE TABLE \"" + schema + "\".jobs (id BIGINT PRIMARY KEY, cron TEXT)");
        List<List<Object>> before = catalog(schema);

        StoreException e = failureOf(LocalPostgres.store(schema, LocalPostgres.USER, PASSWORD), LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.FOREIGN_DATABASE);
        assertThat(e.getMessage()).contains("schema " + schema).contains("tables of another application (jobs)")
                .contains("nothing was changed");
        assertThat(catalog(schema)).isEqualTo(before);
    }

    @Test
    void shouldRefuseToShareItsSchemaWithAnotherApplicationsTable() {
        try (LeaseStore store = LocalPostgres.store(schema)) {
            store.migrate();
        }
        LocalPostgres.execute("CREATE TABLE \"" + schema + "\".jobs (id BIGINT PRIMARY KEY, cron TEXT)");
        List<List<Object>> before = catalog(schema);

        StoreException e = failureOf(LocalPostgres.store(schema, LocalPostgres.USER, PASSWORD), LeaseStore::migrate);

        assertThat(e.kind()).isEqualTo(Kind.FOREIGN_DATABASE);
        assertThat(e.getMessage()).contains("also tables of another application (jobs)");
        assertThat(catalog(schema)).isEqualTo(before);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * What {@code call} threw on {@code store} (closed afterwards); fails the test if it threw
     * nothing, or if the password shows anywhere in what it threw.
     */
    private static StoreException failureOf(LeaseStore store, Consumer<LeaseStore> call) {
        try (store) {
            call.accept(store);
        } catch (StoreException e) {
            assertThat(stackTrace(e)).as("everything the exception says").doesNotContain(PASSWORD);
            assertThat(e.getMessage()).as("names where the store is").contains("postgresql://");
            return e;
        }
        throw new AssertionError("expected a StoreException from " + store.describe() + ", got none");
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** A new role named {@code prefix_<random>}, dropped after the test with all it owns. */
    private String createRole(String prefix, String options) {
        String role = LocalPostgres.uniqueName(prefix);
        LocalPostgres.execute("CREATE ROLE " + role + " " + options);
        cleanup.add(() -> {
            LocalPostgres.dropSchema(schema);
            LocalPostgres.execute("DROP OWNED BY " + role + " CASCADE");
            LocalPostgres.execute("DROP ROLE " + role);
        });
        return role;
    }

    private static String currentDatabase() {
        return (String) LocalPostgres.rows(null, "SELECT current_database()").get(0).get(0);
    }

    /** The relations of {@code schema} (kind, owner) and its recorded migrations: what a refusal must not change. */
    private static List<List<Object>> catalog(String schema) {
        List<List<Object>> rows = new ArrayList<>(LocalPostgres.rows(null,
                "SELECT c.relname, c.relkind::text, pg_get_userbyid(c.relowner) FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? ORDER BY c.relname",
                schema));
        boolean migrated = rows.stream().anyMatch(row -> row.get(0).equals("schema_migrations"));
        if (migrated) {
            rows.addAll(LocalPostgres.rows(schema, "SELECT version, description, applied_at FROM schema_migrations"
                    + " ORDER BY version"));
        }
        return rows;
    }
}
