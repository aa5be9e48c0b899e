package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.charts.Helm;
import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.reconciler.ClusterCapabilities.NativeSidecars;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC against what the operator really calls: the operator runs in this JVM with its
 * own client (told apart by its User-Agent) and leader election, through a resource's whole life
 * on the mock API server (create, pods, a leader, a new leader, a spec change); then every request
 * it sent is checked against the rules {@code helm template} renders. Its counterpart: every
 * resource the chart grants was used.
 */
class ChartRbacIT {

    private static final String AGENT = "schedlock-operator-under-test";
    private static final String RELEASE_NAMESPACE = Helm.NAMESPACE;
    /** Granted to every authenticated client by Kubernetes' default roles (system:basic-user, system:discovery). */
    private static final Set<String> DEFAULT_ALLOWED = Set.of("GET /version",
            "create authorization.k8s.io/selfsubjectrulesreviews");

    /** One API request, as RBAC sees it. */
    record Access(String verb, String group, String resource, String namespace, String name) {

        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "" : group + "/") + resource
                    + (namespace == null ? " (cluster-wide)" : " in " + namespace) + (name == null ? "" : " " + name);
        }
    }

    @Test
    void operatorShouldNeedNoPermissionTheChartDoesNotGrantAndUseEveryResourceItGrants() throws Exception {
        List<RecordedRequest> requests = runOperatorThroughAResourcesLife();

        List<Access> accesses = new ArrayList<>();
        Set<String> defaults = new TreeSet<>();
        for (RecordedRequest r : requests) {
            if (!AGENT.equals(r.getHeader("User-Agent"))) {
                continue; // the test's own requests
            }
            String path = r.getPath();
            if (path.startsWith("/version")) {
                defaults.add("GET /version");
                continue;
            }
            Access access = parse(r.getMethod(), path);
            if (DEFAULT_ALLOWED.contains(access.verb() + " " + access.group() + "/" + access.resource())) {
                defaults.add(access.verb() + " " + access.group() + "/" + access.resource());
                continue;
            }
            accesses.add(access);
        }
        Rbac rbac = Rbac.rendered();
        Set<String> denied = new TreeSet<>();
        Set<String> used = new TreeSet<>();
        for (Access access : accesses) {
            if (!rbac.allows(access)) {
                denied.add(access.toString());
            }
            used.add(access.verb() + " " + access.group() + "/" + access.resource());
        }
        System.out.println("operator requests, by verb and resource: " + used + "; allowed to everyone: " + defaults);
        assertThat(accesses).as("requests the operator sent").isNotEmpty();
        assertThat(denied).as("requests the chart's RBAC would refuse").isEmpty();

        Set<String> granted = rbac.grantedResources();
        Set<String> usedResources = new TreeSet<>();
        accesses.forEach(a -> usedResources.add(a.group() + "/" + a.resource()));
        Set<String> grantedButUnused = new TreeSet<>(granted);
        grantedButUnused.removeAll(usedResources);
        assertThat(grantedButUnused).as("resources the chart grants but the operator never touched").isEmpty();
        Set<String> unusedVerbs = new TreeSet<>(rbac.grantedVerbs());
        unusedVerbs.removeAll(used);
        System.out.println("granted verbs this run did not need (conflict retries, updates of unchanged objects): "
                + unusedVerbs);
    }

    /** The operator's requests while a resource is created, gets pods and a leader, changes, and changes leader. */
    private List<RecordedRequest> runOperatorThroughAResourcesLife() throws Exception {
        FakeLeaseStatus sidecars = new FakeLeaseStatus();
        try (MockCluster k8s = MockCluster.withoutOperator("31");
             KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(k8s.client.getConfiguration())
                     .withUserAgent(AGENT).build()).build()) {
            k8s.installServiceMonitorCrd();
            Operator operator = new Operator(o -> o.withKubernetesClient(client)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withCloseClientOnStop(false)
                    .withStopOnInformerErrorDuringStartup(true)
                    .withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder
                            .aLeaderElectionConfiguration("schedlock-operator")
                            .withLeaseNamespace(RELEASE_NAMESPACE)
                            .withExitOnStopLeading(false)
                            .build()));
            operator.register(new SchedulerDeploymentReconciler(client, new ClusterCapabilities(client,
                    "ghcr.io/schedlock/sidecar:test", NativeSidecars.AUTO, Duration.ofHours(1), System::nanoTime),
                    sidecars, Duration.ofMillis(200), Clock.systemUTC()), c -> c.watchingAllNamespaces());
            try {
                operator.start();
                k8s.create(TestResources.sqlite("billing"));
                await().atMost(Duration.ofSeconds(30)).until(() -> k8s.deployment("billing") != null);
                Deployment deployment = k8s.deployment("billing");
                SimulatedPods.publish(k8s.client, deployment, 0, "10.0.0.1");
                SimulatedPods.publish(k8s.client, deployment, 1, "10.0.0.2");
                sidecars.leader("10.0.0.1", "billing-0", 1);
                sidecars.standby("10.0.0.2", "billing-0", 1);
                awaitLeader(k8s, "billing-0");

                sidecars.standby("10.0.0.1", "billing-1", 2);
                sidecars.leader("10.0.0.2", "billing-1", 2);
                awaitLeader(k8s, "billing-1");

                SchedulerDeployment sd = k8s.get("billing");
                sd.getSpec().setReplicas(3);
                k8s.client.resource(sd).update();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> k8s.deployment("billing").getSpec().getReplicas() == 3);
            } finally {
                operator.stop();
            }
            List<RecordedRequest> requests = new ArrayList<>();
            RecordedRequest r;
            while ((r = k8s.server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
                requests.add(r);
            }
            return requests;
        }
    }

    private static void awaitLeader(MockCluster k8s, String pod) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            SchedulerDeployment sd = k8s.get("billing");
            return sd.getStatus() != null && sd.getStatus().getLeader() != null
                    && pod.equals(sd.getStatus().getLeader().getPod())
                    && "leader".equals(k8s.client.pods().inNamespace(MockCluster.NAMESPACE).withName(pod).get()
                    .getMetadata().getLabels().get("schedlock.dev/role"));
        });
    }

    /** Method and path to verb, API group, resource (with subresource), namespace and name. */
    static Access parse(String method, String pathAndQuery) {
        String path = pathAndQuery.split("\\?", 2)[0];
        boolean watch = pathAndQuery.contains("watch=true") || pathAndQuery.contains("watch=1");
        List<String> s = new ArrayList<>(Arrays.asList(path.substring(1).split("/")));
        String group;
        if (s.get(0).equals("api")) {
            group = "";
            s = s.subList(2, s.size());
        } else {
            group = s.get(1);
            s = s.subList(3, s.size());
        }
        String namespace = null;
        if (s.size() >= 3 && s.get(0).equals("namespaces")) {
            namespace = s.get(1);
            s = s.subList(2, s.size());
        }
        String resource = s.get(0) + (s.size() > 2 ? "/" + s.get(2) : "");
        String name = s.size() > 1 ? s.get(1) : null;
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : watch ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new IllegalArgumentException(method + " " + pathAndQuery);
        };
        return new Access(verb, group, resource, namespace, name);
    }

    /** The rules of the rendered chart (default values), with where each is bound. */
    record Rbac(List<PolicyRule> clusterWide, List<PolicyRule> releaseNamespace) {

        static Rbac rendered() throws Exception {
            List<HasMetadata> objects = Helm.template();
            List<PolicyRule> cluster = new ArrayList<>();
            List<PolicyRule> local = new ArrayList<>();
            for (HasMetadata o : objects) {
                if (o instanceof ClusterRoleBinding b) {
                    cluster.addAll(clusterRole(objects, b.getRoleRef().getName()).getRules());
                } else if (o instanceof RoleBinding b && RELEASE_NAMESPACE.equals(b.getMetadata().getNamespace())) {
                    local.addAll("ClusterRole".equals(b.getRoleRef().getKind())
                            ? clusterRole(objects, b.getRoleRef().getName()).getRules()
                            : objects.stream().filter(Role.class::isInstance).map(Role.class::cast)
                            .filter(r -> r.getMetadata().getName().equals(b.getRoleRef().getName()))
                            .findFirst().orElseThrow().getRules());
                }
            }
            return new Rbac(cluster, local);
        }

        boolean allows(Access a) {
            return clusterWide.stream().anyMatch(r -> matches(r, a))
                    || (RELEASE_NAMESPACE.equals(a.namespace()) && releaseNamespace.stream().anyMatch(r -> matches(r, a)));
        }

        Set<String> grantedResources() {
            Set<String> all = new TreeSet<>();
            for (PolicyRule r : rules()) {
                r.getApiGroups().forEach(g -> r.getResources().forEach(res -> all.add(g + "/" + res)));
            }
            return all;
        }

        Set<String> grantedVerbs() {
            Set<String> all = new TreeSet<>();
            for (PolicyRule r : rules()) {
                r.getApiGroups().forEach(g -> r.getResources().forEach(res -> r.getVerbs()
                        .forEach(v -> all.add(v + " " + g + "/" + res))));
            }
            return all;
        }

        private List<PolicyRule> rules() {
            List<PolicyRule> all = new ArrayList<>(clusterWide);
            all.addAll(releaseNamespace);
            return all;
        }

        private static boolean matches(PolicyRule r, Access a) {
            return (r.getApiGroups().contains(a.group()) || r.getApiGroups().contains("*"))
                    && (r.getResources().contains(a.resource()) || r.getResources().contains("*"))
                    && (r.getVerbs().contains(a.verb()) || r.getVerbs().contains("*"))
                    && (r.getResourceNames() == null || r.getResourceNames().isEmpty()
                    || r.getResourceNames().contains(a.name()));
        }

        private static ClusterRole clusterRole(List<HasMetadata> objects, String name) {
            return objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                    .filter(r -> r.getMetadata().getName().equals(name)).findFirst().orElseThrow();
        }
    }
}
