package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.lease.LeaseState;
import dev.schedlock.sidecar.lease.MonotonicClock;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import dev.schedlock.sidecar.store.TakeoverRule;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The schema dropped and created again under a running PostgreSQL store: the new tables are a
 * new store (new store id, tokens from 1). A holder must learn that at its next renewal and
 * revoke at once.
 */
class PostgresStoreReplacedIT {

    private static final String LOCK = "default";
    private static final long TTL_MS = 60_000;
    private static final HolderIdentity ALICE = new HolderIdentity("alice/uid/0a", "alice", "host-a", 1);

    private String schema;
    private JdbcLeaseStore store;
    private String oldId;

    @BeforeEach
    void leadInANewSchema() {
        schema = LocalPostgres.uniqueName("replaced");
        store = LocalPostgres.store(schema);
        store.migrate();
        oldId = store.storeId();
        assertThat(oldId).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()).fencingToken()).isEqualTo(1);
    }

    @AfterEach
    void dropSchema() {
        store.close();
        LocalPostgres.dropSchema(schema);
    }

    @Test
    void shouldFailTheRenewalWhenTheSchemaWasDroppedAndCreatedAgainBetweenTwoRenewals() {
        String newId = recreateSchema();

        StoreException e = failureOf(() -> store.renew(LOCK, ALICE.id(), 1, TTL_MS));

        assertThat(e.kind()).isEqualTo(Kind.STORE_REPLACED);
        assertThat(e.getMessage()).contains("store id changed from " + oldId + " to " + newId);
        assertThat(store.storeId()).isEqualTo(newId);
        assertThat(store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()).fencingToken())
                .as("token 1 again, of the new store").isEqualTo(1);
    }

    @Test
    void shouldFailTheRenewalWhileTheSchemaIsGoneAndThenReportTheNewStoreId() {
        LocalPostgres.dropSchema(schema);

        StoreException gone = failureOf(() -> store.renew(LOCK, ALICE.id(), 1, TTL_MS));
        assertThat(gone.kind()).isEqualTo(Kind.STORE_REPLACED);
        assertThat(gone.getMessage()).contains("tables of store " + oldId + " are gone");
        assertThat(LocalPostgres.schemaExists(schema)).as("recreated by the running store").isFalse();

        String newId = recreateSchema();
        StoreException other = failureOf(() -> store.renew(LOCK, ALICE.id(), 1, TTL_MS));
        assertThat(other.kind()).isEqualTo(Kind.STORE_REPLACED);
        assertThat(other.getMessage()).contains("store id changed from " + oldId + " to " + newId);
        assertThat(store.renew(LOCK, ALICE.id(), 1, TTL_MS)).as("no such holding in the new store").isFalse();
    }

    @Test
    void shouldMakeTheLeadingElectorRevokeAtOnceNotAtItsDeadline() {
        LeaseConfig config = LeaseConfig.builder().lockName("elected").build(); // TTL 60 s
        LeaseElector elector = new LeaseElector(config, store, ALICE, MonotonicClock.SYSTEM, () -> 0.0,
                LeaseMetrics.NOOP);
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().storeId()).isEqualTo(oldId);

        String newId = recreateSchema();
        assertThat(elector.step()).as("next step at once").isZero();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.DEGRADED);
        assertThat(elector.snapshot().reason()).contains("store id changed from " + oldId + " to " + newId);
        assertThat(elector.podPermit().granted()).isFalse();

        elector.step();
        assertThat(elector.snapshot().state()).as("leading in the new store").isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().fencingToken()).isEqualTo(1);
        assertThat(elector.snapshot().storeId()).as("the token's store").isEqualTo(newId);
    }

    /** Drops the schema and migrates it again with another store, as a new sidecar would; returns the new id. */
    private String recreateSchema() {
        LocalPostgres.dropSchema(schema);
        try (JdbcLeaseStore fresh = LocalPostgres.store(schema)) {
            fresh.migrate();
            assertThat(fresh.storeId()).isNotEqualTo(oldId);
            return fresh.storeId();
        }
    }

    private static StoreException failureOf(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("the store's answer").isInstanceOf(StoreException.class);
        return (StoreException) thrown;
    }
}
