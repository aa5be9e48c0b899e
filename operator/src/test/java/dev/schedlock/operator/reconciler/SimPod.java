package dev.schedlock.operator.reconciler;

import java.nio.file.Path;

/**
 * One simulated pod: its REAL sidecar process, its IP and ports, the ReplicaSet it belongs to, and
 * when its deletion began.
 *
 * <p>With a native sidecar the kubelet stops the main containers (the permit holders) before it
 * sends the sidecar SIGTERM; the simulator runs no main containers, so they count as stopped at
 * the instant the deletion begins ({@link #mainStoppedNanos}). With a plain sidecar container every
 * container gets SIGTERM together, and an app may use its permit until the permit expires.
 */
final class SimPod {

    private final String name;
    private final String uid;
    private final String ip;
    private final int controlPort;
    private final int statusPort;
    private final String replicaSet;
    private final boolean nativeSidecar;
    private final long graceNanos;
    private final Process process;
    private final Path dir;
    private final long createdSeq;
    /** Set once, before the two instants below are read. */
    private volatile boolean deleting;
    private volatile long deletionNanos;
    private volatile long mainStoppedNanos;

    SimPod(String name, String uid, String ip, int controlPort, int statusPort, String replicaSet,
           boolean nativeSidecar, long graceNanos, Process process, Path dir, long createdSeq) {
        this.name = name;
        this.uid = uid;
        this.ip = ip;
        this.controlPort = controlPort;
        this.statusPort = statusPort;
        this.replicaSet = replicaSet;
        this.nativeSidecar = nativeSidecar;
        this.graceNanos = graceNanos;
        this.process = process;
        this.dir = dir;
        this.createdSeq = createdSeq;
    }

    String name() {
        return name;
    }

    String uid() {
        return uid;
    }

    String ip() {
        return ip;
    }

    int controlPort() {
        return controlPort;
    }

    int statusPort() {
        return statusPort;
    }

    String replicaSet() {
        return replicaSet;
    }

    Process process() {
        return process;
    }

    /** The pod's own directory: {@code sidecar.log} and its emptyDir and Secret volumes. */
    Path dir() {
        return dir;
    }

    long createdSeq() {
        return createdSeq;
    }

    boolean terminating() {
        return deleting;
    }

    /** Marks the deletion: from now on the pod counts as terminating and its main containers as stopped. */
    void beginDeletion(long nowNanos) {
        deletionNanos = nowNanos;
        mainStoppedNanos = nowNanos;
        deleting = true;
    }

    /** Whether the grace period is over and the kubelet would kill what still runs. */
    boolean graceOver(long nowNanos) {
        return terminating() && nowNanos - deletionNanos > graceNanos;
    }

    /**
     * Whether the pod's main containers have stopped before its sidecar, so that no app holds a
     * permit of this pod from {@link #mainStoppedNanos()} on: only with a native sidecar.
     */
    boolean mainStoppedFirst() {
        return nativeSidecar && deleting;
    }

    /** When the main containers stopped, on {@link System#nanoTime()}; see {@link #mainStoppedFirst()}. */
    long mainStoppedNanos() {
        return mainStoppedNanos;
    }

    @Override
    public String toString() {
        return name;
    }
}
