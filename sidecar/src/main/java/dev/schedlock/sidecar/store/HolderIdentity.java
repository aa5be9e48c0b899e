package dev.schedlock.sidecar.store;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Who holds (or wants) the lease.
 *
 * <p>The {@link #id()} is what the store compares in its owner guard. It combines the pod name,
 * the pod UID and a random per-process nonce, so that a restarted process (same pod, same pid 1)
 * never mistakes the previous incarnation's row for its own. Host and pid are informative only:
 * pid is 1 in most containers and host names repeat.
 *
 * @param id   the unique holder id used in the owner guard
 * @param pod  the pod name (or host name outside Kubernetes)
 * @param host the host name, informative
 * @param pid  the process id, informative
 */
public record HolderIdentity(String id, String pod, String host, long pid) {

    private static final SecureRandom RANDOM = new SecureRandom();

    public HolderIdentity {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("holder id must not be blank");
        }
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(host, "host");
    }

    /**
     * Builds an identity for this process: {@code <pod>/<podUid>/<nonce>}, or {@code <pod>/<nonce>}
     * when no pod UID is known (outside Kubernetes).
     */
    public static HolderIdentity forThisProcess(String pod, String podUid, String host) {
        byte[] nonce = new byte[6];
        RANDOM.nextBytes(nonce);
        String suffix = HexFormat.of().formatHex(nonce);
        String id = (podUid == null || podUid.isBlank())
                ? pod + "/" + suffix
                : pod + "/" + podUid + "/" + suffix;
        return new HolderIdentity(id, pod, host, ProcessHandle.current().pid());
    }
}
