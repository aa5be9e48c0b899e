package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;
import java.util.Optional;

/**
 * Which lock row a pod competes for: the store's location ({@link StoreWiring#location()}) and the
 * lock name. Two pods of one identity share one lease, so a new pod is a standby until the old
 * leader lets go; pods of two identities never see each other, so both would lead.
 *
 * <p>The operator writes the identity on the pod template as a hash (a URL has no place in an
 * annotation every pod carries), and compares it with the pods it finds: see {@link RolloutPlan}.
 * It is not a guarantee about the database: two URLs that name one server (a host name and its IP)
 * have different identities, which only makes the operator more careful than it needs to be.
 */
public final class LockIdentity {

    /** On the pod template and so on every pod: the hash of the lock the pod's sidecar uses. */
    public static final String ANNOTATION = "schedlock.dev/lock-identity";

    private LockIdentity() {
    }

    /** The identity of the lock that {@code sd}'s pods use; call after {@link SpecValidator} found no problem. */
    public static String of(SchedulerDeployment sd) {
        return Hashes.sha256Hex(StoreWiring.of(sd).location() + "\n" + LeaseSettings.of(sd).lockName(), 8);
    }

    /** The identity written on a pod or pod template; empty when it carries none (not made by this operator). */
    public static Optional<String> on(ObjectMeta meta) {
        return Optional.ofNullable(meta).map(ObjectMeta::getAnnotations).map(a -> a.get(ANNOTATION));
    }

    static void put(Map<String, String> annotations, SchedulerDeployment sd) {
        annotations.put(ANNOTATION, of(sd));
    }

}
