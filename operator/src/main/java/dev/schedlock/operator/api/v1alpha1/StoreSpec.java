package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Exactly one of the two stores. */
@ValidationRule(value = "has(self.sqlite) != has(self.postgres)",
        message = "set exactly one of store.sqlite (all pods on one node) and store.postgres (any node)",
        reason = "FieldValueInvalid")
public class StoreSpec {

    @JsonPropertyDescription("A SQLite file on a volume. All pods are kept on the one node that mounts it.")
    private SqliteStore sqlite;

    @JsonPropertyDescription("A PostgreSQL database; pods may run on any node.")
    private PostgresStore postgres;

    public SqliteStore getSqlite() {
        return sqlite;
    }

    public void setSqlite(SqliteStore sqlite) {
        this.sqlite = sqlite;
    }

    public PostgresStore getPostgres() {
        return postgres;
    }

    public void setPostgres(PostgresStore postgres) {
        this.postgres = postgres;
    }
}
