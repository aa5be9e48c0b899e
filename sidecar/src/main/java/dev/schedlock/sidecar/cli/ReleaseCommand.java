package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.rules.PrintableText;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code release --force}: break-glass. Clears the holder whoever it is. Safe only when the holder
 * is known to be dead: a live holder keeps its permits until its local deadline, so clearing its
 * row lets a second scheduler start while the first may still run.
 */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = {"Break-glass: free the lock whoever holds it, keeping the fencing token.",
                "Only when the holder is known to be dead; a live holder may keep running jobs until its"
                        + " permits expire. Refuses without --force."})
final class ReleaseCommand extends StoreCommand {

    /** Longest reason: a sentence for the history, not a document. */
    static final int MAX_REASON_LENGTH = 256;

    @Option(names = "--force", description = "Yes, free the lock even though someone may hold it.")
    boolean force;

    @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "release --force from the command line",
            description = "Recorded in the history: 1-" + MAX_REASON_LENGTH + " printable characters, no line breaks.")
    String reason;

    @Override
    void validateOptions() {
        if (reason.isBlank() || reason.codePointCount(0, reason.length()) > MAX_REASON_LENGTH
                || !PrintableText.isPrintable(reason)) {
            throw new IllegalArgumentException("--reason " + PrintableText.quote(reason) + " is not valid: write 1-"
                    + MAX_REASON_LENGTH + " printable characters (no line breaks, tabs or other control characters)");
        }
    }

    @Override
    int run(LeaseStore leaseStore) {
        if (!force) {
            err().println("schedlock: release clears the holder of lock '" + store.lockName + "' whoever it is."
                    + " If that holder is alive it may still run jobs until its permits expire, so two schedulers"
                    + " could overlap. Check `status` first; to go ahead, add --force.");
            return SidecarMain.EXIT_USAGE;
        }
        requireSchema(leaseStore);
        Optional<LockRow> cleared = leaseStore.forceRelease(store.lockName, reason);
        if (cleared.isEmpty()) {
            out().println("lock " + store.lockName + ": nobody held it; nothing changed");
            return 0;
        }
        LockRow row = cleared.get();
        out().println("lock " + store.lockName + ": cleared holder " + PrintableText.escape(row.holderId())
                + " (pod " + PrintableText.escape(row.holderPod())
                + ", fencing token " + row.fencingToken() + ", heartbeat " + row.heartbeatAgeMs() + " ms ago)."
                + " The next candidate acquires with token " + (row.fencingToken() + 1) + ".");
        return 0;
    }
}
