package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.nio.file.Path;

/**
 * Runs one store call on a SQLite file in a process of its own and prints what came of it:
 * {@code OK}, or the {@link StoreException}'s kind, a tab and its message. For tests that need
 * the call made by another user than the one running the tests.
 *
 * <p>Usage: {@code StoreProbe <file> migrate|acquire}
 */
public final class StoreProbe {

    private StoreProbe() {
    }

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        try (LeaseStore store = SqliteFiles.store(file)) {
            switch (args[1]) {
                case "migrate" -> store.migrate();
                case "acquire" -> store.tryAcquire("jobs", HolderIdentity.forThisProcess("probe", null, "localhost"),
                        10_000, TakeoverRule.expired());
                default -> throw new IllegalArgumentException("unknown call: " + args[1]);
            }
            System.out.println("OK");
        } catch (StoreException e) {
            System.out.println(e.kind() + "\t" + e.getMessage().replace('\n', ' '));
        }
    }
}
