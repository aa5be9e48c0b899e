package dev.schedlock.sidecar.store;

import dev.schedlock.rules.PrintableText;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who holds (or wants) the lease.
 *
 * <p>The {@link #id()} is what the store compares in its owner guard. It combines the pod name,
 * the pod UID and a random per-process nonce, so that a restarted process (same pod, same pid 1)
 * never mistakes the previous incarnation's row for its own. Host and pid are informative only:
 * pid is 1 in most containers and host names repeat.
 *
 * <p>{@link #forThisProcess} accepts only names that are safe to store and to print: the parts are
 * joined with {@code /}, and {@code status} and {@code history} print them on a terminal. Rows
 * written by older versions or other tools may still hold anything, so readers escape on output
 * ({@link PrintableText}).
 *
 * @param id   the unique holder id used in the owner guard
 * @param pod  the pod name (or host name outside Kubernetes)
 * @param host the host name, informative
 * @param pid  the process id, informative
 */
public record HolderIdentity(String id, String pod, String host, long pid) {

    /** Longest pod or host name: a Kubernetes DNS-1123 subdomain has at most 253 characters. */
    public static final int MAX_NAME_LENGTH = 253;
    /** Longest pod UID: Kubernetes UIDs are 36-character UUIDs; other tools get some room. */
    public static final int MAX_UID_LENGTH = 128;

    /**
     * A pod name: every Kubernetes pod name (a DNS-1123 subdomain) matches, and so do the host
     * names and systemd instance names used outside Kubernetes (upper case, {@code _}).
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9-]{1," + MAX_UID_LENGTH + "}");
    private static final Pattern NOT_NAME_CHARACTERS = Pattern.compile("[^A-Za-z0-9._-]+");
    private static final Pattern UNTRIMMED = Pattern.compile("^[._-]+|[._-]+$");
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
     *
     * @param pod    the pod name; see {@link #requireValidPodName}
     * @param podUid the pod UID, or null or blank when none; see {@link #requireValidPodUid}
     * @param host   the host name, as {@link #sanitizeHostName} returns it
     * @throws IllegalArgumentException naming {@code pod-name} or {@code pod-uid}
     */
    public static HolderIdentity forThisProcess(String pod, String podUid, String host) {
        requireValidPodName(pod);
        boolean hasUid = podUid != null && !podUid.isBlank();
        if (hasUid) {
            requireValidPodUid(podUid);
        }
        byte[] nonce = new byte[6];
        RANDOM.nextBytes(nonce);
        String suffix = HexFormat.of().formatHex(nonce);
        String id = hasUid ? pod + "/" + podUid + "/" + suffix : pod + "/" + suffix;
        return new HolderIdentity(id, pod, host, ProcessHandle.current().pid());
    }

    /**
     * Refuses a pod name that is not 1-253 letters, digits, {@code .}, {@code _} or {@code -},
     * starting and ending with a letter or digit. That admits every Kubernetes pod name and
     * refuses what would forge output or the id's structure: {@code /}, spaces, newlines, escapes.
     *
     * @throws IllegalArgumentException naming {@code pod-name}
     */
    public static void requireValidPodName(String pod) {
        if (pod == null || pod.length() > MAX_NAME_LENGTH || !NAME.matcher(pod).matches()) {
            throw new IllegalArgumentException("pod-name " + PrintableText.quote(pod) + " is not valid: use 1-"
                    + MAX_NAME_LENGTH + " letters, digits, '.', '_' or '-', starting and ending with a letter or"
                    + " digit (a Kubernetes pod name, from the downward API's metadata.name, always fits)");
        }
    }

    /**
     * Refuses a pod UID that is not 1-128 letters, digits or {@code -} (a Kubernetes UID is a UUID).
     *
     * @throws IllegalArgumentException naming {@code pod-uid}
     */
    public static void requireValidPodUid(String podUid) {
        if (podUid == null || !UID.matcher(podUid).matches()) {
            throw new IllegalArgumentException("pod-uid " + PrintableText.quote(podUid) + " is not valid: use 1-"
                    + MAX_UID_LENGTH + " letters, digits or '-' (the downward API's metadata.uid, a UUID, fits);"
                    + " leave it unset outside Kubernetes");
        }
    }

    /**
     * Makes the machine's host name fit {@link #requireValidPodName}, since it is the default pod
     * name: runs of other characters become {@code -}, leading and trailing {@code . _ -} go, and
     * the result is cut to 253 characters. A host name with nothing usable becomes
     * {@code localhost}. Upper case is kept.
     */
    public static String sanitizeHostName(String raw) {
        if (raw == null) {
            return "localhost";
        }
        String name = NOT_NAME_CHARACTERS.matcher(raw.strip()).replaceAll("-");
        name = UNTRIMMED.matcher(name).replaceAll("");
        if (name.length() > MAX_NAME_LENGTH) {
            name = UNTRIMMED.matcher(name.substring(0, MAX_NAME_LENGTH)).replaceAll("");
        }
        return name.isEmpty() ? "localhost" : name;
    }
}
