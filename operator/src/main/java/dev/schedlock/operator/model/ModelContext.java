package dev.schedlock.operator.model;

import java.util.Map;

/**
 * What the desired objects depend on besides the resource itself: operator settings and what the
 * cluster supports. Passed in, so that the model stays a pure function.
 *
 * @param defaultSidecarImage  image used when {@code spec.sidecar.image} is not set
 * @param nativeSidecars       the cluster runs init containers with {@code restartPolicy: Always} as
 *                             sidecars (Kubernetes 1.29 and later)
 * @param serviceMonitorsExist the {@code servicemonitors.monitoring.coreos.com} CRD is installed
 * @param serviceMonitorLabels labels of every ServiceMonitor, below the resource's own
 *                             ({@code --service-monitor-labels}: what the cluster's Prometheus selects by)
 */
public record ModelContext(String defaultSidecarImage, boolean nativeSidecars, boolean serviceMonitorsExist,
                           Map<String, String> serviceMonitorLabels) {

    public ModelContext {
        serviceMonitorLabels = Map.copyOf(serviceMonitorLabels);
    }

    /** Without ServiceMonitor labels. */
    public ModelContext(String defaultSidecarImage, boolean nativeSidecars, boolean serviceMonitorsExist) {
        this(defaultSidecarImage, nativeSidecars, serviceMonitorsExist, Map.of());
    }

    /** The first Kubernetes minor version (of major 1) with native sidecars enabled by default. */
    public static final int NATIVE_SIDECARS_SINCE_MINOR = 29;

    /** Whether Kubernetes {@code major.minor} runs native sidecars; unparsable versions count as old. */
    public static boolean supportsNativeSidecars(String major, String minor) {
        try {
            int ma = Integer.parseInt(major.replaceAll("\\D", ""));
            int mi = Integer.parseInt(minor.replaceAll("\\D", ""));
            return ma > 1 || (ma == 1 && mi >= NATIVE_SIDECARS_SINCE_MINOR);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
