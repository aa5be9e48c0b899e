package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.model.DeploymentModel;
import dev.schedlock.operator.model.ModelContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What an update keeps of the keys others wrote, and what it removes of the operator's own. */
class SharedFieldsTest {

    private static final ModelContext CONTEXT = new ModelContext("ghcr.io/schedlock/sidecar:0.1.0", true, false);
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

    @Test
    void shouldKeepWhatOthersWroteOnTheObjectAndOnThePodTemplate() {
        Deployment live = written(desired("team", "billing"), null);
        live.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "3");
        live.getMetadata().getLabels().put("example.com/tier", "batch");
        live.getSpec().getTemplate().getMetadata().getAnnotations().put(RESTARTED_AT, "2026-01-01T10:00:00Z");
        live.getSpec().getTemplate().getMetadata().getLabels().put("example.com/cost-center", "42");
        live.getSpec().setPaused(true);

        Deployment update = written(desired("team", "payments"), live);

        assertThat(update.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "3");
        assertThat(update.getMetadata().getLabels()).containsEntry("example.com/tier", "batch");
        assertThat(update.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry(RESTARTED_AT, "2026-01-01T10:00:00Z")
                .containsEntry("team", "payments");
        assertThat(update.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("example.com/cost-center", "42");
        assertThat(update.getSpec().getPaused()).as("kubectl rollout pause").isTrue();
    }

    @Test
    void shouldRemoveAKeyTheOperatorWroteBeforeAndNoLongerWants() {
        Deployment live = written(desired("team", "billing"), null);
        live.getSpec().getTemplate().getMetadata().getAnnotations().put("example.com/other", "kept");

        Deployment update = written(desired(null, null), live);

        assertThat(update.getSpec().getTemplate().getMetadata().getAnnotations())
                .doesNotContainKey("team")
                .containsEntry("example.com/other", "kept");
        assertThat(update.getMetadata().getAnnotations().get(SharedFields.MANAGED_KEYS))
                .doesNotContain("\"team\"").doesNotContain("example.com/other");
    }

    @Test
    void shouldLetTheOperatorsValueWinOverAnotherWritersOnTheSameKey() {
        Deployment live = written(desired("team", "billing"), null);
        live.getSpec().getTemplate().getMetadata().getAnnotations().put("team", "edited-by-hand");

        Deployment update = written(desired("team", "billing"), live);

        assertThat(update.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("team", "billing");
    }

    @Test
    void shouldRecordTheOperatorsKeysButNotItsBookkeeping() {
        Deployment created = written(desired("team", "billing"), null);

        assertThat(created.getMetadata().getAnnotations().get(SharedFields.MANAGED_KEYS))
                .contains("\"template.annotations\":[", "\"team\"", "\"labels\":[\"app.kubernetes.io/instance\"")
                .doesNotContain(ResourceApplier.DESIRED_HASH);
    }

    @Test
    void shouldLoseNoKeyOfAnObjectWrittenWithoutARecord() {
        Deployment live = written(desired("team", "billing"), null);
        live.getMetadata().getAnnotations().remove(SharedFields.MANAGED_KEYS);

        Deployment update = written(desired(null, null), live);

        assertThat(update.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("team", "billing");
    }

    /** The model's Deployment, with {@code key: value} on the user's pod template if key is not null. */
    private static Deployment desired(String key, String value) {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        if (key != null) {
            sd.getSpec().getTemplate().getMetadata().getAnnotations().put(key, value);
        }
        return DeploymentModel.build(sd, CONTEXT);
    }

    /** What the applier sends for {@code desired} over {@code live} (null: a create). */
    private static Deployment written(Deployment desired, Deployment live) {
        Deployment copy = SERIALIZATION.clone(desired);
        copy.getMetadata().getAnnotations().put(ResourceApplier.DESIRED_HASH, "h");
        SharedFields.keepOthers(copy, live == null ? null : SERIALIZATION.clone(live), Set.of(ResourceApplier.DESIRED_HASH));
        return copy;
    }
}
