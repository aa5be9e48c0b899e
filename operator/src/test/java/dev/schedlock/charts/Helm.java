package dev.schedlock.charts;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code helm lint} and {@code helm template} on charts/schedlock-operator, and the rendered objects.
 * Public for the operator's own tests of the chart (ChartRbacIT).
 */
public final class Helm {

    static final String RELEASE = "demo";
    public static final String NAMESPACE = "schedlock-system";
    /** Every optional part of the chart switched on. */
    static final String[] ALL_TOGGLES_ON = {"--set", "serviceMonitor.enabled=true", "--set", "prometheusRule.enabled=true",
        "--set", "grafanaDashboard.enabled=true", "--set", "crds.enabled=true", "--set", "podDisruptionBudget.enabled=true"};

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    private Helm() {
    }

    static Tools.Result lint(String... args) throws IOException, InterruptedException {
        return helm(concat(new String[] {"lint", "--strict", Repo.CHART.toString()}, args));
    }

    /** {@code helm template demo <chart> -n schedlock-system args…}, whatever its exit code. */
    static Tools.Result tryTemplate(String... args) throws IOException, InterruptedException {
        return tryTemplateAs(RELEASE, args);
    }

    static Tools.Result tryTemplateAs(String release, String... args) throws IOException, InterruptedException {
        return helm(concat(new String[] {"template", release, Repo.CHART.toString(), "--namespace", NAMESPACE}, args));
    }

    /** The rendered objects; fails with helm's message if it does not render. */
    public static List<HasMetadata> template(String... args) throws IOException, InterruptedException {
        return objects(tryTemplate(args).assertSuccess().out());
    }

    /** Parses each YAML document of a rendering with Fabric8. */
    static List<HasMetadata> objects(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : DOCUMENT_SEPARATOR.split(yaml)) {
            if (document.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            KubernetesResource parsed = SERIALIZATION.unmarshal(document, KubernetesResource.class);
            if (!(parsed instanceof HasMetadata object)) {
                throw new AssertionError("not a Kubernetes object: " + parsed + "\n" + document);
            }
            objects.add(object);
        }
        return objects;
    }

    public static <T extends HasMetadata> List<T> ofType(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = ofType(objects, type);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    static <T extends HasMetadata> Optional<T> named(List<HasMetadata> objects, Class<T> type, String name) {
        return ofType(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    private static Tools.Result helm(String... args) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(Tools.helm().toString()));
        line.addAll(List.of(args));
        return Tools.run(line, null);
    }

    static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
