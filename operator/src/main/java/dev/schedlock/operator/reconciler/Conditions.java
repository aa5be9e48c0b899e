package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.api.v1alpha1.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** metav1.Condition semantics: one condition per type, and lastTransitionTime moves only with status. */
public final class Conditions {

    public static final String READY = "Ready";
    public static final String LEADER_ELECTED = "LeaderElected";
    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    private Conditions() {
    }

    /**
     * {@code conditions} with {@code next} in place of the condition of its type. The old
     * lastTransitionTime is kept when the status did not change.
     */
    public static List<Condition> set(List<Condition> conditions, Condition next) {
        List<Condition> result = new ArrayList<>();
        boolean replaced = false;
        for (Condition c : conditions) {
            if (c.getType().equals(next.getType())) {
                if (Objects.equals(c.getStatus(), next.getStatus())) {
                    next.setLastTransitionTime(c.getLastTransitionTime());
                }
                result.add(next);
                replaced = true;
            } else {
                result.add(c);
            }
        }
        if (!replaced) {
            result.add(next);
        }
        return result;
    }

    /** The condition of {@code type}, or null. */
    public static Condition find(List<Condition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }
}
