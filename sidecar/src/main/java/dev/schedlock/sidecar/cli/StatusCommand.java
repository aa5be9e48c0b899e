package dev.schedlock.sidecar.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.rules.PrintableText;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code status}: the original {@code get_scheduler_lock_info}: holder, token, heartbeat age, expired or not. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show who holds the lock, its fencing token, heartbeat age and whether it has expired.")
final class StatusCommand extends StoreCommand {

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
    String output;

    @Override
    int run(LeaseStore leaseStore) {
        requireSchema(leaseStore);
        Optional<LockRow> found = leaseStore.inspect(store.lockName);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("lockName", store.lockName);
        info.put("storeId", leaseStore.storeId());
        if (found.isEmpty()) {
            info.put("status", "never-acquired");
        } else {
            LockRow row = found.get();
            info.put("status", row.isFree() ? "free" : row.isExpired() ? "expired" : "held");
            info.put("holderId", row.holderId());
            info.put("holderPod", row.holderPod());
            info.put("holderHost", row.holderHost());
            info.put("holderPid", row.holderPid());
            info.put("fencingToken", row.fencingToken());
            info.put("acquiredAt", row.acquiredAtMs());
            info.put("heartbeatAt", row.heartbeatAtMs());
            info.put("heartbeatAgeMillis", row.heartbeatAgeMs());
            info.put("ttlMillis", row.ttlMs());
            info.put("expired", row.isExpired());
        }
        if ("json".equalsIgnoreCase(output)) {
            try {
                out().println(new ObjectMapper().writeValueAsString(info));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return 0;
        }
        out().println(text(found));
        out().println(storeIdLine(leaseStore));
        return 0;
    }

    private String text(Optional<LockRow> found) {
        if (found.isEmpty()) {
            return "lock " + store.lockName + ": never acquired";
        }
        LockRow row = found.get();
        if (row.isFree()) {
            return "lock " + row.name() + ": free (last fencing token " + row.fencingToken() + ")";
        }
        long expiresInMs = row.heartbeatAtMs() + row.ttlMs() - row.storeNowMs();
        // The holder's fields may come from an older version or another tool: escaped, so that a
        // newline or an escape sequence in one cannot forge a line (JSON output escapes by itself).
        return "lock " + row.name() + ": held by " + PrintableText.escape(row.holderId())
                + "\n  pod " + PrintableText.escape(row.holderPod())
                + ", host " + PrintableText.escape(row.holderHost())
                + ", pid " + row.holderPid()
                + "\n  fencing token " + row.fencingToken()
                + "\n  heartbeat " + seconds(row.heartbeatAgeMs()) + " ago, ttl " + seconds(row.ttlMs())
                + "\n  " + (row.isExpired()
                        ? "EXPIRED " + seconds(-expiresInMs) + " ago: the next candidate takes it over"
                        : "valid for " + seconds(expiresInMs) + " more");
    }

    private static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
