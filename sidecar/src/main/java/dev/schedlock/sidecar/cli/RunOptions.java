package dev.schedlock.sidecar.cli;

import dev.schedlock.rules.HostPort;
import dev.schedlock.rules.LeaseRules;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.PermitMode;
import dev.schedlock.sidecar.lease.TakeoverPolicy;
import dev.schedlock.sidecar.store.HolderIdentity;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Everything {@code run} needs beyond the store: timing, identity, listen addresses, outputs. */
public final class RunOptions {

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_TTL:-" + LeaseRules.DEFAULT_TTL_TEXT + "}",
            description = "Lease TTL written into the row. Env SCHEDLOCK_TTL. Default: ${DEFAULT-VALUE}")
    Duration ttl;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_HEARTBEAT_INTERVAL:-" + LeaseRules.DEFAULT_HEARTBEAT_TEXT + "}",
            description = "How often the leader renews. Env SCHEDLOCK_HEARTBEAT_INTERVAL. Default: ${DEFAULT-VALUE}")
    Duration heartbeat;

    @Option(names = "--retry-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_RETRY_INTERVAL:-" + LeaseRules.DEFAULT_RETRY_TEXT + "}",
            description = "How often a standby reads the lease when no release notification can wake it, or"
                    + " under --takeover-policy=observed, and the wait after a store error (plus jitter); a"
                    + " standby otherwise sleeps until the holding can expire. Env SCHEDLOCK_RETRY_INTERVAL."
                    + " Default: ${DEFAULT-VALUE}")
    Duration retry;

    @Option(names = "--permit-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_PERMIT_TTL:-" + LeaseRules.DEFAULT_PERMIT_TTL_TEXT + "}",
            description = "Longest validity of one permit. Env SCHEDLOCK_PERMIT_TTL. Default: ${DEFAULT-VALUE}")
    Duration permitTtl;

    @Option(names = "--safety-margin", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_SAFETY_MARGIN}",
            description = "Subtracted from the TTL for the local deadline. Env SCHEDLOCK_SAFETY_MARGIN. Default: ttl/10")
    Duration safetyMargin;

    @Option(names = "--statement-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_STATEMENT_TIMEOUT}",
            description = "Longest a store statement may take. Env SCHEDLOCK_STATEMENT_TIMEOUT."
                    + " Default: min(heartbeat, ttl - margin - heartbeat)")
    Duration statementTimeout;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_DRAIN_TIMEOUT}",
            description = "On shutdown, how long to wait for issued permits before releasing."
                    + " Env SCHEDLOCK_DRAIN_TIMEOUT. Default: permit-ttl + 5s")
    Duration drainTimeout;

    @Option(names = "--idle-step-down", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_IDLE_STEP_DOWN:-0s}",
            description = "A leader that has handed out no permit and no claim for this long steps down, so that a"
                    + " pod whose app is alive can lead. At least ttl and 2 × permit-ttl; 0s = off."
                    + " Env SCHEDLOCK_IDLE_STEP_DOWN. Default: off")
    Duration idleStepDown;

    @Option(names = "--takeover-policy", paramLabel = "POLICY", defaultValue = "${env:SCHEDLOCK_TAKEOVER_POLICY:-store-clock}",
            description = "store-clock (take over expired rows at once) or observed (also wait one TTL"
                    + " watching the row; survives clock jumps). Env SCHEDLOCK_TAKEOVER_POLICY. Default: ${DEFAULT-VALUE}")
    String takeoverPolicy;

    @Option(names = "--permit-mode", paramLabel = "MODE", defaultValue = "${env:SCHEDLOCK_PERMIT_MODE:-pod}",
            description = "pod (every lease query from the leading pod is a permit) or claims (only the one"
                    + " claim holder has a permit). Env SCHEDLOCK_PERMIT_MODE. Default: ${DEFAULT-VALUE}")
    String permitMode;

    @Option(names = "--pod-name", paramLabel = "NAME", defaultValue = "${env:POD_NAME}",
            description = "Pod name for the holder identity: 1-253 of [A-Za-z0-9._-]. Env POD_NAME (downward API)."
                    + " Default: the host name")
    String podName;

    @Option(names = "--pod-uid", paramLabel = "UID", defaultValue = "${env:POD_UID}",
            description = "Pod UID for the holder identity: 1-128 of [A-Za-z0-9-]. Env POD_UID (downward API).")
    String podUid;

    @Option(names = "--control-address", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            defaultValue = "${env:SCHEDLOCK_CONTROL_ADDRESS:-127.0.0.1:8470}",
            description = "Control API (permits, claims); loopback only. Env SCHEDLOCK_CONTROL_ADDRESS."
                    + " Default: ${DEFAULT-VALUE}")
    HostPort controlAddress;

    @Option(names = "--status-address", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            defaultValue = "${env:SCHEDLOCK_STATUS_ADDRESS:-127.0.0.1:8471}",
            description = "Probes, metrics and read-only status; in Kubernetes the pod IP."
                    + " Env SCHEDLOCK_STATUS_ADDRESS. Default: ${DEFAULT-VALUE}")
    HostPort statusAddress;

    @Option(names = "--signal-file", paramLabel = "FILE", defaultValue = "${env:SCHEDLOCK_SIGNAL_FILE}",
            description = "Also write the lease to this file (atomically) for apps without HTTP."
                    + " Env SCHEDLOCK_SIGNAL_FILE.")
    Path signalFile;

    @Option(names = "--step-down-file", paramLabel = "FILE", defaultValue = "${env:SCHEDLOCK_STEP_DOWN_FILE}",
            description = "Read step-down requests ({\"pod\":\"NAME\",\"nonce\":\"ID\"}) from this file, checked"
                    + " every second: the operator's downward API file of the pod annotation schedlock.dev/step-down."
                    + " Env SCHEDLOCK_STEP_DOWN_FILE.")
    Path stepDownFile;

    @Option(names = "--ready-file", paramLabel = "FILE", defaultValue = "${env:SCHEDLOCK_READY_FILE}",
            description = "Once the control API and the status server listen, write their addresses and the pid"
                    + " to this file as JSON (atomically); removed at stop. For tests and tools."
                    + " Env SCHEDLOCK_READY_FILE.")
    Path readyFile;

    @Option(names = "--native-sidecar", defaultValue = "${env:SCHEDLOCK_NATIVE_SIDECAR:-false}", arity = "0..1",
            description = "Running as a Kubernetes native sidecar: the kubelet stops the main containers first,"
                    + " so release at once on SIGTERM. Env SCHEDLOCK_NATIVE_SIDECAR.")
    boolean nativeSidecar;

    @Option(names = "--history-retention", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:SCHEDLOCK_HISTORY_RETENTION:-30d}",
            description = "Delete lease history older than this (checked hourly). Env SCHEDLOCK_HISTORY_RETENTION."
                    + " Default: ${DEFAULT-VALUE}")
    Duration historyRetention;

    @Option(names = "--exit-once-leading", hidden = true,
            description = "Training run for the image's class-data-sharing archive: lead once, serve one request of"
                    + " each kind to itself, release, exit 0.")
    boolean exitOnceLeading;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "${env:SCHEDLOCK_LOG_FORMAT:-plain}",
            description = "plain or json. Env SCHEDLOCK_LOG_FORMAT. Default: ${DEFAULT-VALUE}")
    String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:SCHEDLOCK_LOG_LEVEL:-info}",
            description = "error, warn, info or debug. Env SCHEDLOCK_LOG_LEVEL. Default: ${DEFAULT-VALUE}")
    String logLevel;

    /** Builds the lease configuration; refuses inconsistent timing with a message naming the flag. */
    LeaseConfig leaseConfig(String lockName) {
        LeaseConfig.Builder builder = LeaseConfig.builder()
                .lockName(lockName)
                .ttl(ttl)
                .heartbeatInterval(heartbeat)
                .retryInterval(retry)
                .permitTtl(permitTtl)
                .takeoverPolicy(TakeoverPolicy.parse(takeoverPolicy))
                .permitMode(PermitMode.parse(permitMode))
                .idleStepDown(idleStepDown);
        if (safetyMargin != null) {
            builder.safetyMargin(safetyMargin);
        }
        if (statementTimeout != null) {
            builder.statementTimeout(statementTimeout);
        }
        if (drainTimeout != null) {
            builder.drainTimeout(drainTimeout);
        }
        return builder.build();
    }

    /**
     * The holder identity of this process: {@code --pod-name} (default: the host name, made to fit)
     * and {@code --pod-uid}; refuses names that would forge output or the id's structure.
     */
    HolderIdentity identity(String rawHostName) {
        String host = HolderIdentity.sanitizeHostName(rawHostName);
        String pod = podName == null || podName.isBlank() ? host : podName;
        return HolderIdentity.forThisProcess(pod, podUid, host);
    }

    LogSetup.Format logFormat() {
        return switch (logFormat.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "plain", "text" -> LogSetup.Format.PLAIN;
            case "json" -> LogSetup.Format.JSON;
            default -> throw new IllegalArgumentException("log-format '" + logFormat + "' is unknown: use plain or json");
        };
    }
}
