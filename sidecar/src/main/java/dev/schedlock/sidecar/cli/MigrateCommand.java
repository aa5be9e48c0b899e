package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.store.LeaseStore;
import picocli.CommandLine.Command;

/** {@code migrate}: bring the schema to this version's level and exit. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Create or upgrade the lease schema (sidecars also do this at start).")
final class MigrateCommand extends StoreCommand {

    @Override
    boolean createsStore() {
        return true;
    }

    @Override
    int run(LeaseStore leaseStore) {
        int before = leaseStore.schemaVersion();
        leaseStore.migrate();
        int after = leaseStore.schemaVersion();
        out().println(leaseStore.describe() + ": schema version " + after
                + (after == before ? " (already up to date)" : " (was " + before + ")"));
        return 0;
    }
}
