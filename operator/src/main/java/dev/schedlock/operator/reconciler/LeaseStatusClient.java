package dev.schedlock.operator.reconciler;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Reads one sidecar's read-only lease status. */
public interface LeaseStatusClient {

    /** The report of the sidecar at {@code ip:port}; empty if it does not answer in time or not with 200. */
    CompletableFuture<Optional<LeaseReport>> fetch(String ip, int port);
}
