package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes examples in {@code docs/examples/kubernetes}: each SchedulerDeployment reads into the
 * CRD's classes without unknown fields and passes {@link SpecValidator}; the hand-written manifest for
 * users without the operator is what the operator makes of the SQLite example. (The CRD's schema
 * rules run on the same files in {@code CrdValidationRulesTest}.)
 */
class DocumentationExamplesTest {

    static final Path EXAMPLES = Path.of(System.getProperty("schedlock.examples.dir", "../docs/examples"))
            .resolve("kubernetes");
    private static final ObjectMapper STRICT_YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ModelContext NATIVE_SIDECARS = new ModelContext("ghcr.io/schedlock/sidecar:0.1.0", true, false);

    /** Reads an example, refusing any field the CRD's classes do not have (a typo the API server would prune). */
    static SchedulerDeployment read(String file) throws IOException {
        SchedulerDeployment sd = STRICT_YAML.readValue(Files.readString(EXAMPLES.resolve(file)),
                SchedulerDeployment.class);
        sd.getMetadata().setNamespace("default"); // kubectl apply without -n
        return sd;
    }

    @ParameterizedTest
    @ValueSource(strings = {"scheduler-sqlite.yaml", "scheduler-postgres.yaml"})
    void shouldBeAValidSchedulerDeployment(String file) throws Exception {
        SchedulerDeployment sd = read(file);
        assertThat(SpecValidator.validate(sd.getSpec())).isEmpty();
        assertThat(DeploymentModel.build(sd, NATIVE_SIDECARS).getSpec().getTemplate().getSpec().getInitContainers())
                .extracting(Container::getName).contains(SidecarContainer.NAME);
    }

    @Test
    void plainManifestShouldBeWhatTheOperatorMakesOfTheSqliteExample() throws Exception {
        List<HasMetadata> objects = Serialization.unmarshal(Files.newInputStream(EXAMPLES.resolve("plain-deployment.yaml")));
        Deployment plain = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .findFirst().orElseThrow();
        Deployment made = DeploymentModel.build(read("scheduler-sqlite.yaml"), NATIVE_SIDECARS);
        PodSpec plainPod = plain.getSpec().getTemplate().getSpec();
        PodSpec madePod = made.getSpec().getTemplate().getSpec();

        assertThat(plain.getSpec().getReplicas()).isEqualTo(made.getSpec().getReplicas());
        assertThat(plainPod.getInitContainers()).as("the sidecar, field by field").isEqualTo(madePod.getInitContainers());
        assertThat(plainPod.getContainers()).as("the app with the env and mount the operator adds")
                .isEqualTo(madePod.getContainers());
        assertThat(plainPod.getTerminationGracePeriodSeconds()).isEqualTo(madePod.getTerminationGracePeriodSeconds());
        assertThat(plainPod.getSecurityContext()).isEqualTo(madePod.getSecurityContext());
        assertThat(plainPod.getVolumes()).usingRecursiveComparison()
                .ignoringFields("persistentVolumeClaim.claimName")
                .isEqualTo(madePod.getVolumes());
        // Same rule, its own labels: the operator selects on app.kubernetes.io/name, the manifest on app.
        assertThat(plainPod.getAffinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
                .singleElement().satisfies(term -> assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
    }
}
