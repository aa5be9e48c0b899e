package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** Labels, annotations and owner references shared by everything made for one SchedulerDeployment. */
public final class Labels {

    /** Selects the resource's pods; its value is the (cut) resource name. */
    public static final String INSTANCE = "schedlock.dev/scheduler-deployment";
    /** Set by the operator on each pod: {@code leader} or {@code standby}. */
    public static final String ROLE = "schedlock.dev/role";
    public static final String ROLE_LEADER = "leader";
    public static final String ROLE_STANDBY = "standby";
    /** The full resource name, on pods: label values are cut to 63 characters, annotations are not. */
    public static final String OWNER_ANNOTATION = "schedlock.dev/scheduler-deployment";
    /**
     * On the SchedulerDeployment, set by people or {@code kubectl schedlock step-down}: any new value
     * asks the pod that leads to step down (once per value; status.stepDown records the outcome).
     */
    public static final String STEP_DOWN_REQUEST_ANNOTATION = "schedlock.dev/step-down-requested";
    /**
     * On the leading pod, set by the operator: {@code {"pod":"…","nonce":"…"}}, which the kubelet
     * copies into the sidecar's step-down file (a downward API volume).
     */
    public static final String POD_STEP_DOWN_ANNOTATION = "schedlock.dev/step-down";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR = "schedlock-operator";

    private Labels() {
    }

    /** The Deployment's selector: stable for the resource's lifetime (selectors are immutable). */
    public static Map<String, String> selector(SchedulerDeployment sd) {
        return Map.of(INSTANCE, Names.labelValue(sd));
    }

    /** Labels of every object made for the resource. */
    public static Map<String, String> common(SchedulerDeployment sd) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/instance", Names.labelValue(sd));
        labels.put(MANAGED_BY, OPERATOR);
        labels.putAll(selector(sd));
        return labels;
    }

    /** Metadata of an object owned by {@code sd}: name, namespace, common labels, owner reference. */
    static ObjectMeta ownedMeta(SchedulerDeployment sd, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(sd.getMetadata().getNamespace())
                .withLabels(common(sd))
                .withOwnerReferences(ownerReference(sd))
                .build();
    }

    /** Makes {@code sd} the controlling owner, so that the garbage collector deletes what it owns. */
    public static OwnerReference ownerReference(SchedulerDeployment sd) {
        return new OwnerReferenceBuilder()
                .withApiVersion(sd.getApiVersion())
                .withKind(sd.getKind())
                .withName(sd.getMetadata().getName())
                .withUid(sd.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }
}
