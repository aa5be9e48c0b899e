package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.jdbc.LeaseStores;
import dev.schedlock.sidecar.store.jdbc.SqliteDialect;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of the one-shot commands that open the store, do one thing and exit. */
abstract class StoreCommand implements Callable<Integer> {

    private static final Duration ONE_SHOT_TIMEOUT = Duration.ofSeconds(5);

    @Mixin
    StoreOptions store;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            // Flags first: a bad one is refused before the store is opened or a file created.
            LeaseConfig.requireValidLockName(store.lockName);
            validateOptions();
        } catch (IllegalArgumentException e) {
            err().println("schedlock: " + e.getMessage());
            return SidecarMain.EXIT_USAGE;
        }
        Path missing = missingSqliteFile();
        if (missing != null && !createsStore()) {
            // Opening would create an empty file where the operator expected a database.
            err().println("schedlock: no SQLite database at " + missing + ": check --store (or SCHEDLOCK_STORE);"
                    + " nothing was created");
            return SidecarMain.EXIT_USAGE;
        }
        LeaseStore leaseStore;
        try {
            leaseStore = LeaseStores.open(store.settings(ONE_SHOT_TIMEOUT));
        } catch (IllegalArgumentException e) {
            err().println("schedlock: " + e.getMessage());
            return SidecarMain.EXIT_USAGE;
        }
        try (leaseStore) {
            return run(leaseStore);
        } catch (StoreException e) {
            err().println("schedlock: " + e.getMessage());
            return e.kind().isTransient() ? SidecarMain.EXIT_STORE : SidecarMain.EXIT_USAGE;
        }
    }

    /** Checks the command's own options; throws {@link IllegalArgumentException} naming the flag. */
    void validateOptions() {
    }

    /** True for commands that may create the database ({@code migrate}). */
    boolean createsStore() {
        return false;
    }

    /** The SQLite file the store URL names, if it does not exist; null otherwise (or for another store). */
    private Path missingSqliteFile() {
        String url = store.url.trim();
        if (!url.startsWith("jdbc:sqlite:")) {
            return null;
        }
        Path file;
        try {
            file = SqliteDialect.fromUrl(url, ONE_SHOT_TIMEOUT).file();
        } catch (IllegalArgumentException e) {
            return null; // opening the store reports what is wrong with the URL
        }
        return Files.exists(file) ? null : file;
    }

    /** Does the work; returns the exit code. */
    abstract int run(LeaseStore leaseStore);

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * "store id …": fencing tokens are comparable only within one store id. Null (a schema that
     * predates it) until a sidecar of this version has started on the store.
     */
    static String storeIdLine(LeaseStore leaseStore) {
        String id = leaseStore.storeId();
        return id != null ? "store id " + id
                : "store id: none yet (an older schema; a sidecar of this version adds one when it starts)";
    }

    /** Refuses a database without the schema, without creating it. */
    void requireSchema(LeaseStore leaseStore) {
        if (leaseStore.schemaVersion() == 0) {
            throw new StoreException(StoreException.Kind.NOT_MIGRATED, leaseStore.describe()
                    + " has no schedlock schema yet: start a sidecar or run `migrate` first");
        }
    }
}
