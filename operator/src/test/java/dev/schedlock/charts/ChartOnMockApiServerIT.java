package dev.schedlock.charts;

import static dev.schedlock.charts.Helm.ALL_TOGGLES_ON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.model.SpecValidator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every object the chart renders, with every toggle on, is a kind Fabric8 knows and is accepted by
 * its mock API server in CRUD mode, CRDs first, as {@code helm install} would send them. The mock
 * server checks paths, kinds and scopes, not schemas: {@link HelmChartIT} checks the content.
 */
class ChartOnMockApiServerIT {

    private static final Pattern YAML_BLOCK = Pattern.compile("(?s)```yaml\n(.*?)```");

    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void startServer() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false); // CRUD mode
        server.init();
        client = server.createClient();
        // The Prometheus Operator's CRDs, which the monitoring toggles need (names and scope only).
        client.resource(standIn("ServiceMonitor", "servicemonitors")).create();
        client.resource(standIn("PrometheusRule", "prometheusrules")).create();
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.destroy();
    }

    @Test
    void everyRenderedObjectShouldBeCreatedOnTheApiServer() throws Exception {
        assertCreatable(Helm.template(ALL_TOGGLES_ON), Set.of(Helm.NAMESPACE));
    }

    @Test
    void docsExamplesShouldBeValidSchedulerDeploymentsOnTheChartsCrd() throws Exception {
        List<HasMetadata> objects = Helm.template();
        client.resource(Helm.one(objects, CustomResourceDefinition.class)).create();
        String install = Files.readString(Repo.ROOT.resolve("docs/install.md"));
        Matcher block = YAML_BLOCK.matcher(install);
        List<String> created = new ArrayList<>();
        while (block.find()) {
            if (!block.group(1).contains("kind: SchedulerDeployment")) {
                continue;
            }
            SchedulerDeployment example = Helm.SERIALIZATION.unmarshal(block.group(1), SchedulerDeployment.class);
            assertThat(SpecValidator.validate(example.getSpec())).as("problems of the example %s",
                    example.getMetadata().getName()).isEmpty();
            String namespace = example.getMetadata().getNamespace();
            if (client.namespaces().withName(namespace).get() == null) {
                client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                        .create();
            }
            assertThat(client.resource(example).create().getMetadata().getUid()).isNotBlank();
            created.add(example.getMetadata().getName());
        }
        assertThat(created).as("SchedulerDeployments in docs/install.md").hasSize(2);
    }

    @Test
    void namespacedRbacShouldBeCreatedOnTheApiServer() throws Exception {
        assertCreatable(Helm.template("--set", "operator.watchNamespaces={jobs,batch}", "--set", "crds.enabled=false"),
                Set.of(Helm.NAMESPACE, "jobs", "batch"));
    }

    private void assertCreatable(List<HasMetadata> objects, Set<String> namespaces) {
        assertThat(objects).as("rendered objects").isNotEmpty()
                .noneMatch(GenericKubernetesResource.class::isInstance);
        namespaces.forEach(ns -> client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                .build()).create());

        // Helm installs CRDs before everything else; so do we.
        List<HasMetadata> ordered = new ArrayList<>(objects);
        ordered.sort((a, b) -> Boolean.compare(!(a instanceof CustomResourceDefinition),
                !(b instanceof CustomResourceDefinition)));
        Set<String> created = new TreeSet<>();
        for (HasMetadata object : ordered) {
            HasMetadata stored = client.resource(object).create();
            assertThat(stored.getMetadata().getUid()).as("%s %s stored", object.getKind(), object.getMetadata().getName())
                    .isNotBlank();
            HasMetadata read = client.resource(object).get();
            assertThat(read).as("%s %s read back", object.getKind(), object.getMetadata().getName()).isNotNull();
            assertThat(read.getClass()).isEqualTo(object.getClass());
            created.add(object.getKind() + "/" + (object.getMetadata().getNamespace() != null
                    ? object.getMetadata().getNamespace() + "/" : "") + object.getMetadata().getName());
        }
        System.out.println("created on the mock API server: " + created);
    }

    private static CustomResourceDefinition standIn(String kind, String plural) {
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + ".monitoring.coreos.com").endMetadata()
                .withNewSpec()
                .withGroup("monitoring.coreos.com")
                .withScope("Namespaced")
                .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase())
                .withListKind(kind + "List").endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
                .endVersion()
                .endSpec()
                .build();
    }
}
