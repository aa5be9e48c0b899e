package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.schedlock.sidecar.store.AbstractLeaseStoreContract;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The store contract on the real local PostgreSQL, each test in a schema of its own with a random
 * name, plus what only PostgreSQL does: the server's clock, NOTIFY on release, statement timeouts
 * and reconnecting after the server dropped the connection.
 */
class PostgresLeaseStoreIT extends AbstractLeaseStoreContract {

    /**
     * Schemas are dropped after the class, not after each test: the contract closes a test's
     * stores after this class's {@code @AfterEach} would run, and a schema is dropped best while
     * nobody uses it.
     */
    private static final List<String> SCHEMAS = new ArrayList<>();

    private String schema;

    @BeforeEach
    void newSchema() {
        schema = LocalPostgres.uniqueName("contract");
        synchronized (SCHEMAS) {
            SCHEMAS.add(schema);
        }
    }

    @AfterAll
    static void dropSchemas() {
        synchronized (SCHEMAS) {
            SCHEMAS.forEach(LocalPostgres::dropSchema);
            SCHEMAS.clear();
        }
    }

    @Override
    protected LeaseStore newStore() {
        return LocalPostgres.store(schema);
    }

    @Override
    protected void backdateHeartbeat(String lockName, long millis) {
        int changed = executeUpdate("UPDATE scheduler_lock SET heartbeat_at = heartbeat_at - ? WHERE name = ?",
                millis, lockName);
        assertThat(changed).as("rows backdated").isEqualTo(1);
    }

    @Override
    protected Connection openConnection() throws SQLException {
        return LocalPostgres.connect(schema);
    }

    @Override
    protected AutoCloseable holdWriteLock(String lockName) throws SQLException {
        Connection c = LocalPostgres.connect(schema);
        c.setAutoCommit(false);
        try (java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT name FROM scheduler_lock WHERE name = ? FOR UPDATE")) {
            ps.setString(1, lockName);
            ps.executeQuery().close();
        }
        return () -> {
            try {
                c.rollback();
            } finally {
                c.close();
            }
        };
    }

    // ------------------------------------------------------------------ PostgreSQL only

    @Test
    void shouldCreateItsSchemaAndKeepEveryTableInIt() {
        assertThat(LocalPostgres.schemaExists(schema)).isFalse();

        migratedStore();

        assertThat(LocalPostgres.rows(null, "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY 1",
                schema)).extracting(row -> row.get(0))
                .containsExactly("scheduler_lock", "scheduler_lock_history", "schema_migrations", "store_identity");
    }

    @Test
    void shouldLeaveTheSessionSearchPathAloneSoThatItWorksThroughATransactionPooler() {
        JdbcLeaseStore store = (JdbcLeaseStore) migratedStore();

        String searchPath = store.run("test", c -> {
            try (Statement st = c.createStatement(); var rs = st.executeQuery("SHOW search_path")) {
                rs.next();
                return rs.getString(1);
            }
        });

        assertThat(searchPath).doesNotContain(schema);
    }

    @Test
    void shouldJudgeTimeByTheServerClock() {
        LeaseStore store = migratedStore();

        long storeNow = store.storeTimeMillis();
        long serverNow = LocalPostgres.rows(null,
                "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)").get(0).stream()
                .mapToLong(v -> ((Number) v).longValue()).findFirst().orElseThrow();

        assertThat(storeNow).isCloseTo(serverNow, within(5_000L)).isLessThanOrEqualTo(serverNow);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldNotifyWaitingCandidatesOnReleaseAndForcedReleaseOnly() throws Exception {
        LeaseStore store = migratedStore();
        try (Connection listener = openConnection()) {
            try (Statement st = listener.createStatement()) {
                st.execute("LISTEN " + PostgresDialect.RELEASE_CHANNEL);
            }
            long token = acquire(store, ALICE);
            assertThat(store.release(LOCK, BOB.id(), token)).isFalse();
            assertThat(store.renew(LOCK, ALICE.id(), token, TTL_MS)).isTrue();
            assertThat(notifications(listener, Duration.ofMillis(300))).as("before the release").isEmpty();

            release(store, ALICE, token);
            assertThat(notifications(listener, Duration.ofSeconds(10))).containsExactly(schema + "/" + LOCK);

            acquire(store, BOB);
            assertThat(store.forceRelease(LOCK, "test")).isPresent();
            assertThat(notifications(listener, Duration.ofSeconds(10))).containsExactly(schema + "/" + LOCK);
        }
    }

    /**
     * Payloads for this test's schema that arrived on the release channel within {@code wait}.
     * The channel is database-wide: other schemas' releases (other tests, other sidecars on the
     * same server) arrive too and are ignored, as the sidecar's listener ignores them.
     */
    private List<String> notifications(Connection c, Duration wait) throws SQLException {
        List<String> payloads = new ArrayList<>();
        long end = System.nanoTime() + wait.toNanos();
        while (payloads.isEmpty()) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                break;
            }
            PGNotification[] received = c.unwrap(PGConnection.class).getNotifications((int) left);
            if (received == null) {
                continue;
            }
            for (PGNotification n : received) {
                if (n.getName().equals(PostgresDialect.RELEASE_CHANNEL) && n.getParameter().startsWith(schema + "/")) {
                    payloads.add(n.getParameter());
                }
            }
        }
        return payloads;
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldGiveUpAtTheStatementTimeoutWhenTheRowIsLockedAndWorkAfterwards() throws Exception {
        LeaseStore bobs = migratedStore();
        release(bobs, BOB, acquire(bobs, BOB));
        try (JdbcLeaseStore alices = new JdbcLeaseStore(new PostgresDialect(LocalPostgres.URL, LocalPostgres.USER,
                null, schema, Duration.ofMillis(500)))) {
            try (Connection blocker = openConnection()) {
                blocker.setAutoCommit(false);
                try (Statement st = blocker.createStatement()) {
                    st.execute("SELECT * FROM scheduler_lock FOR UPDATE");
                }
                long started = System.nanoTime();

                assertThatThrownBy(() -> alices.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()))
                        .isInstanceOfSatisfying(StoreException.class, e -> {
                            assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
                            assertThat(e.getMessage()).contains("statement timeout of 500 ms");
                        });
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
                blocker.rollback();
            }

            assertThat(alices.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()).fencingToken())
                    .as("token of the acquisition once the row is free again").isEqualTo(2);
        }
    }

    @Test
    void shouldReconnectAfterTheServerTerminatedItsConnection() {
        JdbcLeaseStore store = (JdbcLeaseStore) migratedStore();
        long token = acquire(store, ALICE);
        long backend = store.run("backend pid", c -> {
            try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                return rs.getLong(1);
            }
        });

        assertThat(LocalPostgres.rows(null, "SELECT pg_terminate_backend(?)", (int) backend))
                .containsExactly(List.of(true));

        assertThatThrownBy(() -> store.renew(LOCK, ALICE.id(), token, TTL_MS))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE));
        assertThat(store.renew(LOCK, ALICE.id(), token, TTL_MS)).as("renewal on a new connection").isTrue();
    }
}
