package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.model.ModelContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the cluster supports, looked up lazily and cached: the Kubernetes version (native sidecars)
 * once, the ServiceMonitor CRD every {@code recheck}, so that installing the Prometheus Operator
 * later is noticed without a restart.
 */
public final class ClusterCapabilities implements Supplier<ModelContext> {

    public static final String SERVICE_MONITOR_CRD = "servicemonitors.monitoring.coreos.com";

    /** {@code auto} asks the API server's version; the others force the choice. */
    public enum NativeSidecars { AUTO, ALWAYS, NEVER }

    private static final Logger LOG = LoggerFactory.getLogger(ClusterCapabilities.class);

    private final KubernetesClient client;
    private final String defaultSidecarImage;
    private final NativeSidecars nativeSidecars;
    private final Duration recheck;
    private final LongSupplier nanoTime;
    private final Map<String, String> serviceMonitorLabels;
    private Boolean nativeSupported;
    private boolean monitorsExist;
    private long monitorsCheckedAt;
    private boolean monitorsChecked;

    public ClusterCapabilities(KubernetesClient client, String defaultSidecarImage, NativeSidecars nativeSidecars,
                               Duration recheck, LongSupplier nanoTime) {
        this(client, defaultSidecarImage, nativeSidecars, recheck, nanoTime, Map.of());
    }

    /** @param serviceMonitorLabels labels of every ServiceMonitor the operator makes (--service-monitor-labels) */
    public ClusterCapabilities(KubernetesClient client, String defaultSidecarImage, NativeSidecars nativeSidecars,
                               Duration recheck, LongSupplier nanoTime, Map<String, String> serviceMonitorLabels) {
        this.serviceMonitorLabels = Map.copyOf(serviceMonitorLabels);
        this.client = client;
        this.defaultSidecarImage = defaultSidecarImage;
        this.nativeSidecars = nativeSidecars;
        this.recheck = recheck;
        this.nanoTime = nanoTime;
    }

    @Override
    public synchronized ModelContext get() {
        return new ModelContext(defaultSidecarImage, nativeSidecars(), serviceMonitorsExist(), serviceMonitorLabels);
    }

    private boolean nativeSidecars() {
        if (nativeSidecars != NativeSidecars.AUTO) {
            return nativeSidecars == NativeSidecars.ALWAYS;
        }
        if (nativeSupported == null) {
            VersionInfo version = client.getKubernetesVersion();
            nativeSupported = ModelContext.supportsNativeSidecars(version.getMajor(), version.getMinor());
            LOG.info("Kubernetes {}.{}: sidecar injected as {}", version.getMajor(), version.getMinor(),
                    nativeSupported ? "native sidecar (init container, restartPolicy Always)" : "plain container");
        }
        return nativeSupported;
    }

    private boolean serviceMonitorsExist() {
        long now = nanoTime.getAsLong();
        if (!monitorsChecked || now - monitorsCheckedAt >= recheck.toNanos()) {
            try {
                monitorsExist = client.apiextensions().v1().customResourceDefinitions()
                        .withName(SERVICE_MONITOR_CRD).get() != null;
            } catch (KubernetesClientException e) {
                LOG.warn("cannot tell whether {} exists ({}); assuming not", SERVICE_MONITOR_CRD, e.getMessage());
                monitorsExist = false;
            }
            monitorsChecked = true;
            monitorsCheckedAt = now;
        }
        return monitorsExist;
    }
}
