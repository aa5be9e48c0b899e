package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.reconciler.ClusterCapabilities.NativeSidecars;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Fabric8's mock API server in CRUD mode with the committed CRD loaded, and the operator running
 * in-process against it (or not: {@link #withoutOperator}).
 *
 * <p>What the mock server is not (see operator/README.md): it runs no controllers (no ReplicaSets,
 * no pods, no Deployment status: tests play those parts), no garbage collector ({@link #collectGarbage}
 * plays it), no CEL or schema validation, no server-side apply, no pod proxy ({@link PodProxy}
 * forwards to the simulated pods), no discovery ({@link DiscoveryDocuments}); and a patch it cannot apply would go unanswered
 * ({@link UnprocessablePatches} answers 422 as the API server does).
 */
final class MockCluster implements AutoCloseable {

    static final String NAMESPACE = TestResources.NAMESPACE;
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

    /** The mock server logs every request at INFO through java.util.logging; keep it quiet. */
    private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

    final KubernetesMockServer server;
    final KubernetesClient client;
    /** The API server's pod proxy, which the mock server lacks: route it to the simulated pods. */
    final PodProxy podProxy;
    /** Discovery documents for kubectl, which the mock server lacks; off until a test turns them on. */
    final DiscoveryDocuments discovery;
    private Operator operator;

    /** The cluster with the operator running in this JVM. */
    MockCluster(LeaseStatusClient leaseStatus, Duration pollInterval, String kubernetesMinor) throws IOException {
        this(kubernetesMinor);
        startOperator(leaseStatus, pollInterval);
    }

    /** Starts the operator in this JVM, watching {@link #NAMESPACE}; {@link #close} stops it. */
    void startOperator(LeaseStatusClient leaseStatus, Duration pollInterval) {
        ClusterCapabilities capabilities = new ClusterCapabilities(client, "ghcr.io/schedlock/sidecar:test",
                NativeSidecars.AUTO, Duration.ofHours(1), System::nanoTime);
        operator = new Operator(o -> o.withKubernetesClient(client)
                .withUseSSAToPatchPrimaryResource(false)
                .withCloseClientOnStop(false)
                .withStopOnInformerErrorDuringStartup(true));
        operator.register(new SchedulerDeploymentReconciler(client, capabilities, leaseStatus, pollInterval,
                Clock.systemUTC()), c -> c.settingNamespaces(NAMESPACE));
        operator.start();
    }

    /** The cluster alone, for an operator started elsewhere. */
    static MockCluster withoutOperator(String kubernetesMinor) throws IOException {
        return new MockCluster(kubernetesMinor);
    }

    private MockCluster(String kubernetesMinor) throws IOException {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        discovery = new DiscoveryDocuments(new UnprocessablePatches(new KubernetesMixedDispatcher(responses)));
        podProxy = new PodProxy(discovery);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, podProxy, false);
        server.init();
        server.setVersionInfo(new VersionInfo.Builder().withMajor("1").withMinor(kubernetesMinor).build());
        client = server.createClient();
        grantLeaseAccess();
        loadCrds();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
                .build()).create();
    }

    /**
     * Answers JOSDK's start-up access check for its leader election Lease, which the mock server does
     * not implement, as RBAC granting get/create/update on leases would.
     */
    private void grantLeaseAccess() {
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder()
                        .withNewStatus().withIncomplete(false)
                        .addNewResourceRule().withApiGroups("coordination.k8s.io").withResources("leases")
                        .withVerbs("get", "create", "update").endResourceRule()
                        .endStatus().build())
                .always();
    }

    /** The API server's URL, for clients in other processes. */
    String url() {
        return server.url("/");
    }

    /** Registers the committed CRD, as {@code kubectl apply -f crds/} would. */
    private void loadCrds() throws IOException {
        Path dir = Path.of(System.getProperty("schedlock.crds.committed", "../crds"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{yml,yaml}")) {
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file)) {
                    client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
                            .create();
                }
            }
        }
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    /** Installs the Prometheus Operator's ServiceMonitor CRD (its names only: the mock does not validate). */
    void installServiceMonitorCrd() {
        client.resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(ClusterCapabilities.SERVICE_MONITOR_CRD).endMetadata()
                .withNewSpec()
                .withGroup("monitoring.coreos.com")
                .withScope("Namespaced")
                .withNewNames().withKind("ServiceMonitor").withPlural("servicemonitors")
                .withSingular("servicemonitor").withListKind("ServiceMonitorList").endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
                .endVersion()
                .endSpec()
                .build()).create();
    }

    SchedulerDeployment create(SchedulerDeployment sd) {
        return client.resource(sd).create();
    }

    SchedulerDeployment get(String name) {
        return client.resources(SchedulerDeployment.class).inNamespace(NAMESPACE).withName(name).get();
    }

    Deployment deployment(String name) {
        return client.apps().deployments().inNamespace(NAMESPACE).withName(name).get();
    }

    /** Plays the Deployment controller: reports {@code ready} of {@code replicas} pods ready. */
    void reportDeploymentReady(String name, int replicas, int ready) {
        Deployment d = deployment(name);
        d.setStatus(new DeploymentStatusBuilder()
                .withReplicas(replicas).withReadyReplicas(ready).withAvailableReplicas(ready)
                .withObservedGeneration(d.getMetadata().getGeneration()).build());
        client.resource(d).updateStatus();
    }

    /** Everything the operator keeps for a resource, as found now. */
    List<HasMetadata> ownedObjects() {
        List<HasMetadata> all = new ArrayList<>();
        all.addAll(client.apps().deployments().inNamespace(NAMESPACE).list().getItems());
        all.addAll(client.services().inNamespace(NAMESPACE).list().getItems());
        all.addAll(client.policy().v1().podDisruptionBudget().inNamespace(NAMESPACE).list().getItems());
        all.addAll(client.persistentVolumeClaims().inNamespace(NAMESPACE).list().getItems());
        return all;
    }

    /**
     * Plays the garbage collector: deletes every object whose controlling owner no longer exists
     * (matched by UID, as the real one does). Returns how many it deleted.
     */
    int collectGarbage() {
        Set<String> liveOwners = new HashSet<>();
        client.resources(SchedulerDeployment.class).inNamespace(NAMESPACE).list().getItems()
                .forEach(sd -> liveOwners.add(sd.getMetadata().getUid()));
        int deleted = 0;
        for (HasMetadata o : ownedObjects()) {
            boolean orphan = o.getMetadata().getOwnerReferences().stream()
                    .filter(r -> Boolean.TRUE.equals(r.getController()))
                    .map(OwnerReference::getUid)
                    .anyMatch(uid -> !liveOwners.contains(uid));
            if (orphan) {
                client.resource(o).delete();
                deleted++;
            }
        }
        return deleted;
    }

    /** Forgets the requests recorded so far. */
    void clearRecordedRequests() throws InterruptedException {
        while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
            // drain
        }
    }

    /** Every request recorded since the last clear, as "METHOD path". */
    List<String> recordedRequests() throws InterruptedException {
        List<String> all = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            all.add(r.getMethod() + " " + r.getPath());
        }
        return all;
    }

    /** Write requests (POST, PUT, PATCH, DELETE) recorded since the last clear, as "METHOD path". */
    List<String> recordedWrites() throws InterruptedException {
        List<String> writes = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            if (WRITES.contains(r.getMethod())) {
                writes.add(r.getMethod() + " " + r.getPath());
            }
        }
        return writes;
    }

    @Override
    public void close() {
        if (operator != null) {
            operator.stop();
        }
        client.close();
        server.destroy();
    }
}
