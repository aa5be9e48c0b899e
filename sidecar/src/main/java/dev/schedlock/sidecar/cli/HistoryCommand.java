package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.store.HistoryEntry;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.rules.PrintableText;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code history}: the newest transitions of the lock. */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "List the lock's newest transitions (acquired, taken over, released, lost), newest first.")
final class HistoryCommand extends StoreCommand {

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "How many. Default: ${DEFAULT-VALUE}")
    int limit;

    @Override
    void validateOptions() {
        if (limit < 1 || limit > 100_000) {
            throw new IllegalArgumentException("--limit must be between 1 and 100000, not " + limit);
        }
    }

    @Override
    int run(LeaseStore leaseStore) {
        requireSchema(leaseStore);
        List<HistoryEntry> entries = leaseStore.recentHistory(store.lockName, limit);
        out().println(storeIdLine(leaseStore));
        if (entries.isEmpty()) {
            out().println("lock " + store.lockName + ": no transitions recorded");
            return 0;
        }
        out().printf("%-24s  %-14s  %6s  %s%n", "at (UTC)", "kind", "token", "holder / reason");
        // Holder ids and reasons come from rows that an older version or another tool may have
        // written: escaped, so that a newline or an escape sequence in one cannot forge a line.
        for (HistoryEntry e : entries) {
            out().printf("%-24s  %-14s  %6d  %s%s%n", Instant.ofEpochMilli(e.atMs()), e.kind().dbValue(),
                    e.fencingToken(), e.holderId() == null ? "-" : PrintableText.escape(e.holderId()),
                    e.reason() == null ? "" : "  (" + PrintableText.escape(e.reason()) + ")");
        }
        return 0;
    }
}
