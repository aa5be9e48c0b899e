package dev.schedlock.charts;

import static dev.schedlock.charts.Helm.ALL_TOGGLES_ON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The chart through the real helm: lint, render, and what the rendered objects say. */
class HelmChartIT {

    @Test
    void shouldPassHelmLintWithDefaultsAndWithEveryToggleOn() throws Exception {
        for (String[] values : List.of(new String[0], ALL_TOGGLES_ON,
                new String[] {"--set", "operator.watchNamespaces={jobs,batch}", "--set", "replicaCount=1"})) {
            Tools.Result lint = Helm.lint(values);
            assertThat(lint.exit()).as("helm lint --strict %s:\n%s", String.join(" ", values), lint).isZero();
            assertThat(lint.out()).contains("0 chart(s) failed");
        }
    }

    @Test
    void defaultsShouldRenderTheOperatorItsRbacAndTheCrdOnly() throws Exception {
        List<HasMetadata> objects = Helm.template();

        assertThat(kinds(objects)).isEqualTo(Map.of("Deployment", 1L, "ServiceAccount", 1L, "Service", 1L,
                "PodDisruptionBudget", 1L, "ClusterRole", 4L, "ClusterRoleBinding", 2L, "Role", 1L, "RoleBinding", 1L,
                "CustomResourceDefinition", 1L));
        assertThat(objects).noneMatch(GenericKubernetesResource.class::isInstance);

        Deployment operator = Helm.one(objects, Deployment.class);
        assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
        Map<String, String> env = env(operator);
        assertThat(env).containsEntry("SCHEDLOCK_LEADER_ELECTION", "true")
                .containsEntry("SCHEDLOCK_WATCH_NAMESPACES", "")
                .containsEntry("SCHEDLOCK_SIDECAR_IMAGE", "ghcr.io/schedlock/sidecar:0.1.0")
                .containsEntry("SCHEDLOCK_HEALTH_ADDRESS", "0.0.0.0:8080")
                .as("each release its own election").containsEntry("SCHEDLOCK_LEADER_ELECTION_LEASE_NAME",
                        "demo-schedlock-operator")
                .doesNotContainKey("SCHEDLOCK_SERVICE_MONITOR_LABELS");
        assertThat(operator.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("ghcr.io/schedlock/operator:0.1.0");
        assertThat(operator.getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(Helm.one(objects, ServiceAccount.class).getMetadata().getName());
        assertThat(Helm.one(objects, PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(Helm.one(objects, Service.class).getSpec().getSelector())
                .isEqualTo(operator.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void everyToggleOnShouldAddTheMonitoringObjectsAsKnownKinds() throws Exception {
        List<HasMetadata> objects = Helm.template(ALL_TOGGLES_ON);

        assertThat(objects).noneMatch(GenericKubernetesResource.class::isInstance);
        ServiceMonitor monitor = Helm.one(objects, ServiceMonitor.class);
        assertThat(monitor.getSpec().getEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPort()).isEqualTo("http");
            assertThat(e.getHonorLabels()).as("keeps schedlock_operator_condition's namespace label").isTrue();
        });
        assertThat(monitor.getSpec().getSelector().getMatchLabels())
                .isEqualTo(Helm.one(objects, Service.class).getSpec().getSelector());
        assertThat(Helm.one(objects, PrometheusRule.class).getSpec().getGroups()).hasSize(3);
        assertThat(Helm.one(objects, ConfigMap.class).getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    }

    @Test
    void renderedPodsShouldPassTheRestrictedPodSecurityStandard() throws Exception {
        for (String[] values : List.of(new String[0], ALL_TOGGLES_ON,
                new String[] {"--set", "operator.extraEnv[0].name=JAVA_TOOL_OPTIONS",
                    "--set", "operator.extraEnv[0].value=-Xss512k", "--set", "podLabels.team=payments"})) {
            for (Deployment d : Helm.ofType(Helm.template(values), Deployment.class)) {
                assertThat(RestrictedPodSecurity.violations(d.getSpec().getTemplate().getSpec(),
                        annotations(d.getSpec().getTemplate().getMetadata().getAnnotations())))
                        .as("restricted Pod Security violations of %s with %s", d.getMetadata().getName(),
                                String.join(" ", values))
                        .isEmpty();
            }
        }
    }

    @Test
    void prometheusRuleShouldShipTheRulesFileUnchangedByDefault() throws Exception {
        PrometheusRule rule = Helm.one(Helm.template("--set", "prometheusRule.enabled=true"), PrometheusRule.class);
        JsonNode shipped = Helm.SERIALIZATION.convertValue(rule.getSpec(), JsonNode.class).path("groups");
        assertThat(shipped).isEqualTo(MonitoringQueries.alertsFile().path("groups"));
    }

    @Test
    void prometheusRuleOverridesShouldChangeOnlyWhatTheyName() throws Exception {
        PrometheusRule rule = Helm.one(Helm.template("--set", "prometheusRule.enabled=true",
                "--set", "prometheusRule.noLeaderFor=5m", "--set", "prometheusRule.additionalAlertLabels.team=payments",
                "--set", "prometheusRule.additionalAlertLabels.severity=info",
                "--set", "prometheusRule.runbookBaseUrl=https://runbooks.example.org/schedlock.md"), PrometheusRule.class);
        Map<String, Rule> rules = rule.getSpec().getGroups().stream().flatMap(g -> g.getRules().stream())
                .collect(Collectors.toMap(Rule::getAlert, r -> r));

        assertThat(rules.get("SchedlockNoLeader").getFor()).isEqualTo("5m");
        assertThat(rules.get("SchedlockMultipleLeaders").getFor()).isEqualTo("1m");
        assertThat(rules.values()).allSatisfy(r -> {
            assertThat(r.getLabels()).containsEntry("team", "payments");
            assertThat(r.getLabels().get("severity")).as("the file's severity wins").isNotEqualTo("info");
            assertThat(r.getAnnotations().get("runbook_url"))
                    .isEqualTo("https://runbooks.example.org/schedlock.md#" + r.getAlert().toLowerCase());
        });
    }

    @Test
    void dashboardConfigMapShouldShipTheDashboardFile() throws Exception {
        ConfigMap map = Helm.one(Helm.template("--set", "grafanaDashboard.enabled=true",
                "--set", "grafanaDashboard.namespace=monitoring",
                "--set", "grafanaDashboard.annotations.grafana_folder=schedlock"), ConfigMap.class);

        assertThat(map.getMetadata().getNamespace()).isEqualTo("monitoring");
        assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(map.getMetadata().getAnnotations()).containsEntry("grafana_folder", "schedlock");
        assertThat(map.getData()).containsOnlyKeys("schedlock-leases.json");
        assertThat(MonitoringQueries.JSON.readTree(map.getData().get("schedlock-leases.json")))
                .isEqualTo(MonitoringQueries.dashboard());
    }

    @Test
    void crdShouldBeTheGeneratedOneKeptOnUninstallUnlessToldOtherwise() throws Exception {
        CustomResourceDefinition generated = Helm.SERIALIZATION.unmarshal(
                Files.readString(Repo.CRDS.resolve("schedulerdeployments.schedlock.dev-v1.yml")),
                CustomResourceDefinition.class);

        CustomResourceDefinition kept = Helm.one(Helm.template(), CustomResourceDefinition.class);
        assertThat(kept.getSpec()).isEqualTo(generated.getSpec());
        assertThat(kept.getMetadata().getName()).isEqualTo("schedulerdeployments.schedlock.dev");
        assertThat(kept.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        assertThat(kept.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm");

        CustomResourceDefinition notKept = Helm.one(Helm.template("--set", "crds.keep=false"),
                CustomResourceDefinition.class);
        assertThat(notKept.getMetadata().getAnnotations()).isNullOrEmpty();

        assertThat(Helm.template("--set", "crds.enabled=false")).noneMatch(CustomResourceDefinition.class::isInstance);
    }

    @Test
    void namesShouldBeCutTo63CharactersAndKeepTheirSuffixes() throws Exception {
        String release = "a-release-name-that-is-rather-long-for-real-cluster-x"; // 53, helm's limit
        String fullName = cut(release + "-schedlock-operator", 63);
        List<HasMetadata> objects = Helm.objects(Helm.tryTemplateAs(release, ALL_TOGGLES_ON).assertSuccess().out());

        for (HasMetadata o : objects) {
            if (!(o instanceof CustomResourceDefinition)) { // a CRD's name is its plural and group
                assertThat(o.getMetadata().getName()).as("name of %s", o.getKind()).hasSizeLessThanOrEqualTo(63)
                        .doesNotEndWith("-");
            }
            o.getMetadata().getLabels().forEach((k, v) -> assertThat(v).as("label %s of %s", k, o.getKind())
                    .hasSizeLessThanOrEqualTo(63));
        }
        assertThat(Helm.named(objects, Deployment.class, fullName)).isPresent();
        assertThat(Helm.named(objects, Service.class, cut(fullName, 63 - 8) + "-metrics")).isPresent();
        assertThat(Helm.named(objects, Role.class, cut(fullName, 63 - 16) + "-leader-election")).isPresent();
        assertThat(Helm.named(objects, ClusterRole.class, cut(fullName, 63 - 10) + "-crd-check")).isPresent();
    }

    /** The chart's rule: at most {@code max} characters, no trailing dash. */
    private static String cut(String name, int max) {
        return name.substring(0, Math.min(max, name.length())).replaceAll("-+$", "");
    }

    @Test
    void aggregatedRolesShouldLetNamespaceUsersReadEditAndScaleSchedulerDeployments() throws Exception {
        List<HasMetadata> objects = Helm.template();

        ClusterRole view = Helm.named(objects, ClusterRole.class, "demo-schedlock-operator-view").orElseThrow();
        assertThat(view.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true")
                .containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
                .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true");
        assertThat(view.getRules()).singleElement().satisfies(r -> {
            assertThat(r.getResources()).contains("schedulerdeployments", "schedulerdeployments/scale");
            assertThat(r.getVerbs()).containsExactly("get", "list", "watch");
        });
        ClusterRole edit = Helm.named(objects, ClusterRole.class, "demo-schedlock-operator-edit").orElseThrow();
        assertThat(edit.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
                .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true")
                .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view");
        assertThat(edit.getRules()).anySatisfy(r -> {
            assertThat(r.getResources()).containsExactly("schedulerdeployments/scale");
            assertThat(r.getVerbs()).contains("update", "patch");
        }).anySatisfy(r -> assertThat(r.getVerbs()).contains("create", "update", "patch", "delete"));
        assertThat(Helm.ofType(objects, ClusterRoleBinding.class)).as("nobody is bound to them by the chart")
                .noneMatch(b -> b.getRoleRef().getName().endsWith("-view") || b.getRoleRef().getName().endsWith("-edit"));

        assertThat(Helm.ofType(Helm.template("--set", "rbac.aggregateToDefaultRoles=false"), ClusterRole.class))
                .hasSize(2);
    }

    @Test
    void operatorValuesShouldReachItsFlags() throws Exception {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        Deployment operator = Helm.one(Helm.template("--set", "operator.sidecarImage.digest=" + digest,
                "--set", "operator.leaderElectionLeaseName=schedlock-operator-team-a",
                "--set", "sidecarServiceMonitors.labels.release=kube-prometheus-stack",
                "--set", "sidecarServiceMonitors.labels.team=payments"), Deployment.class);

        assertThat(env(operator))
                .containsEntry("SCHEDLOCK_SIDECAR_IMAGE", "ghcr.io/schedlock/sidecar@" + digest)
                .containsEntry("SCHEDLOCK_LEADER_ELECTION_LEASE_NAME", "schedlock-operator-team-a")
                .containsEntry("SCHEDLOCK_SERVICE_MONITOR_LABELS", "release=kube-prometheus-stack,team=payments");
        assertRefused("digest", "--set", "operator.sidecarImage.digest=latest");
        assertRefused("leaderElectionLeaseName", "--set", "operator.leaderElectionLeaseName=Team_A");
    }

    @Test
    void watchedNamespacesShouldGetOneRoleBindingEachAndNoClusterWideGrant() throws Exception {
        List<HasMetadata> objects = Helm.template("--set", "operator.watchNamespaces={jobs,batch}");

        assertThat(env(Helm.one(objects, Deployment.class))).containsEntry("SCHEDLOCK_WATCH_NAMESPACES", "jobs,batch");
        String operatorRole = "demo-schedlock-operator";
        assertThat(Helm.ofType(objects, RoleBinding.class).stream()
                .filter(b -> b.getRoleRef().getName().equals(operatorRole))
                .map(b -> b.getMetadata().getNamespace()))
                .containsExactlyInAnyOrder("jobs", "batch");
        assertThat(Helm.ofType(objects, ClusterRoleBinding.class))
                .extracting(b -> b.getRoleRef().getName())
                .containsExactly("demo-schedlock-operator-crd-check");
    }

    @Test
    void schemaShouldRefuseUnknownKeysAndBadValues() throws Exception {
        assertRefused("additional properties 'imagee' not allowed", "--set", "imagee.tag=1");
        assertRefused("additional properties 'enable' not allowed", "--set", "serviceMonitor.enable=true");
        assertRefused("nativeSidecars", "--set", "operator.nativeSidecars=sometimes");
        assertRefused("leaderPollInterval", "--set", "operator.leaderPollInterval=often");
        assertRefused("operator.leaderElection must be true when replicaCount > 1",
                "--set", "operator.leaderElection=false");
        assertRefused("serviceAccount.name must name an existing ServiceAccount",
                "--set", "serviceAccount.create=false");
    }

    @Test
    void notesShouldSayWhatToDoNext() throws Exception {
        Tools.Result install = Tools.run(List.of(Tools.helm().toString(), "install", Helm.RELEASE, Repo.CHART.toString(),
                "--namespace", Helm.NAMESPACE, "--dry-run=client"), null).assertSuccess();
        String notes = install.out().substring(install.out().indexOf("NOTES:"));
        assertThat(notes).contains("kubectl -n schedlock-system rollout status deployment/demo-schedlock-operator",
                "kind: SchedulerDeployment", "kubectl get schedulerdeployments -A", "8471",
                "Monitoring is off");
    }

    private static void assertRefused(String expected, String... values) throws Exception {
        Tools.Result result = Helm.tryTemplate(values);
        assertThat(result.exit()).as("helm template %s should fail", String.join(" ", values)).isNotZero();
        assertThat(result.err()).as("helm's message").contains(expected);
    }

    private static Map<String, Long> kinds(List<HasMetadata> objects) {
        return objects.stream().collect(Collectors.groupingBy(HasMetadata::getKind, Collectors.counting()));
    }

    private static Map<String, String> env(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private static Map<String, String> annotations(Map<String, String> maybe) {
        return maybe != null ? maybe : Map.of();
    }
}
