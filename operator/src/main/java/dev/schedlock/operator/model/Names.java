package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;

/** Names of the objects made for one SchedulerDeployment, and the length limits they must respect. */
public final class Names {

    /**
     * Services, label values and the pod names derived from a Deployment are DNS labels of at most
     * 63 characters, while a SchedulerDeployment's own name may be a 253-character subdomain. Longer
     * names are cut and end in a hash of the full name, so that two long names that share a prefix
     * still get different objects.
     */
    public static final int DNS_LABEL_MAX = 63;

    /** The sidecar's lock names: 1-128 characters. */
    static final int LOCK_NAME_MAX = 128;

    private static final int HASH_CHARS = 8;

    private Names() {
    }

    public static String deployment(SchedulerDeployment sd) {
        return cut(sd.getMetadata().getName(), "", DNS_LABEL_MAX);
    }

    public static String statusService(SchedulerDeployment sd) {
        return cut(sd.getMetadata().getName(), "-status", DNS_LABEL_MAX);
    }

    public static String leaseClaim(SchedulerDeployment sd) {
        return cut(sd.getMetadata().getName(), "-lease", DNS_LABEL_MAX);
    }

    public static String disruptionBudget(SchedulerDeployment sd) {
        return deployment(sd);
    }

    public static String serviceMonitor(SchedulerDeployment sd) {
        return deployment(sd);
    }

    /** The resource's name as a label value (at most 63 characters). */
    public static String labelValue(SchedulerDeployment sd) {
        return deployment(sd);
    }

    /** Default lock name: {@code <namespace>.<name>}, unique per cluster when several share a database. */
    public static String defaultLockName(SchedulerDeployment sd) {
        return cut(sd.getMetadata().getNamespace() + "." + sd.getMetadata().getName(), "", LOCK_NAME_MAX);
    }

    /**
     * {@code base + suffix} if that fits in {@code max}; otherwise {@code base} cut short, a dash and
     * eight hex digits of the SHA-256 of {@code base}, then {@code suffix}.
     */
    static String cut(String base, String suffix, int max) {
        if (base.length() + suffix.length() <= max) {
            return base + suffix;
        }
        String head = base.substring(0, max - suffix.length() - HASH_CHARS - 1);
        head = head.replaceAll("[-.]+$", ""); // a DNS label must not end in '-' or '.'
        return head + "-" + Hashes.sha256Hex(base, HASH_CHARS / 2) + suffix;
    }
}
