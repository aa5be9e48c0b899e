package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.LeaseStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SimultaneousStart} on the local PostgreSQL: eight sidecars migrate one new schema at once
 * (serialized by the advisory lock), for several rounds, each in a schema of its own.
 */
class PostgresSimultaneousStartIT {

    /** Rounds per kind of empty schema: each round is a new race on a new schema. */
    private static final int ROUNDS = 15;

    enum EmptySchema {
        /** Nobody created the schema: the sidecars race to create it too. */
        MISSING,
        /** A database administrator created it beforehand, empty. */
        CREATED_EMPTY
    }

    private final List<String> schemas = new ArrayList<>();

    @AfterEach
    void dropSchemas() {
        schemas.forEach(LocalPostgres::dropSchema);
    }

    @ParameterizedTest
    @EnumSource(EmptySchema.class)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void shouldCreateSchemaOnceAndGrantLeaseOnceWhenSidecarsStartTogether(EmptySchema emptySchema) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String schema = LocalPostgres.uniqueName("start");
            schemas.add(schema);
            if (emptySchema == EmptySchema.CREATED_EMPTY) {
                LocalPostgres.execute("CREATE SCHEMA \"" + schema + "\"");
            }

            SimultaneousStart.raceAndCheck(new SimultaneousStart.Database() {
                @Override
                public LeaseStore open() {
                    return LocalPostgres.store(schema);
                }

                @Override
                public List<List<Object>> rows(String sql) {
                    return LocalPostgres.rows(schema, sql);
                }
            }, "round " + round + " in schema " + schema);
        }
    }
}
