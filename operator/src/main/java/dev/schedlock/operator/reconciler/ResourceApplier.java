package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.model.Hashes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or updates one owned object, and writes nothing when it is already as desired.
 *
 * <p>Not server-side apply (see docs/decisions/0005-operator-apply-strategy.md): the object carries a
 * hash of the desired state it was last written from, and an update happens only when that hash
 * changes. Comparing with the live object instead would see the API server's defaults as a
 * difference and write on every reconcile. The price: an edit made by someone else (kubectl edit)
 * to a field the operator owns stays until the SchedulerDeployment changes, or until the annotation
 * is removed; then the operator's value wins. Keys others add to labels and annotations (of the
 * object and of a pod template) survive updates ({@link SharedFields}).
 */
public final class ResourceApplier {

    /** Hash of the desired object this object was last written from. */
    public static final String DESIRED_HASH = "schedlock.dev/desired-hash";

    private static final Logger LOG = LoggerFactory.getLogger(ResourceApplier.class);

    /** What {@link #apply} did; used in logs and tests. */
    public enum Outcome { CREATED, UPDATED, UNCHANGED }

    private final KubernetesClient client;
    private final KubernetesSerialization serialization;

    public ResourceApplier(KubernetesClient client) {
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
    }

    /**
     * Makes the cluster hold {@code desired}.
     *
     * @param cached the object as the informer cache has it; may lag behind the API server
     */
    public <T extends HasMetadata> Outcome apply(T desired, Optional<T> cached) {
        String hash = hashOf(desired);
        T actual = cached.orElse(null);
        if (actual == null) {
            try {
                client.resource(withHash(desired, hash, null)).create();
                LOG.info("created {} {}", desired.getKind(), desired.getMetadata().getName());
                return Outcome.CREATED;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // The cache had not seen it yet (our own create, moments ago): read it and go on.
                actual = client.resource(desired).get();
                if (actual == null) {
                    throw e;
                }
            }
        }
        if (hash.equals(annotation(actual)) || actual instanceof PersistentVolumeClaim) {
            // A claim's spec is immutable once bound (only its size may grow): create, never update.
            return Outcome.UNCHANGED;
        }
        try {
            client.resource(withHash(desired, hash, actual)).update();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // The cached version was stale (often our own last write): once more, from the server.
            LOG.debug("conflict updating {} {}; retrying from the server's version", desired.getKind(),
                    desired.getMetadata().getName());
            T fresh = client.resource(desired).get();
            if (fresh == null || hash.equals(annotation(fresh))) {
                return fresh == null ? apply(desired, Optional.empty()) : Outcome.UNCHANGED;
            }
            client.resource(withHash(desired, hash, fresh)).update();
        }
        LOG.info("updated {} {}", desired.getKind(), desired.getMetadata().getName());
        return Outcome.UPDATED;
    }

    /**
     * A copy of {@code desired} carrying the hash; for an update also the live object's version
     * (optimistic locking) and what others wrote into the fields they share with us
     * ({@link SharedFields}: labels and annotations of the object and of a pod template, where the
     * Deployment controller's revision and {@code kubectl rollout restart}'s annotation live).
     */
    private <T extends HasMetadata> T withHash(T desired, String hash, T actual) {
        T copy = serialization.clone(desired);
        if (copy.getMetadata().getAnnotations() == null) {
            copy.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        copy.getMetadata().getAnnotations().put(DESIRED_HASH, hash);
        if (actual != null) {
            copy.getMetadata().setResourceVersion(actual.getMetadata().getResourceVersion());
        }
        SharedFields.keepOthers(copy, actual, Set.of(DESIRED_HASH));
        return copy;
    }

    private static String annotation(HasMetadata actual) {
        Map<String, String> annotations = actual.getMetadata().getAnnotations();
        return annotations != null ? annotations.get(DESIRED_HASH) : null;
    }

    String hashOf(HasMetadata desired) {
        return Hashes.sha256Hex(serialization.asJson(desired), 16);
    }
}
