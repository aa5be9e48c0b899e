package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real sidecar processes (the shaded jar named by {@code schedlock.sidecar.jar}) on one bench
 * store, one per slot, pod names {@code pod-<slot>}. A slot's sidecar can be replaced by a fresh
 * process with the same pod name and a new holder id, as a restarted pod would be. Logs go to a
 * temp directory, one file per process.
 */
final class SidecarGroup implements AutoCloseable {

    private final Path dir;
    private final List<String> args;
    private final Map<String, String> env;
    private final SidecarProcess[] slots;
    private final int[] incarnations;
    private final List<SidecarProcess> started = new ArrayList<>();

    /** {@code extra}: the {@code run} options after the store's and the listen addresses (timing, permit mode…). */
    SidecarGroup(BenchStores store, String lockName, int size, List<String> extra) throws IOException {
        this(store, lockName, size, extra, Map.of());
    }

    /** With {@code env} added to each sidecar's environment. */
    SidecarGroup(BenchStores store, String lockName, int size, List<String> extra, Map<String, String> env)
            throws IOException {
        this.env = env;
        this.dir = Files.createTempDirectory("schedlock-bench-sidecars");
        this.args = new ArrayList<>(List.of("run", "--lock-name", lockName,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        this.args.addAll(store.sidecarArgs());
        this.args.addAll(extra);
        this.slots = new SidecarProcess[size];
        this.incarnations = new int[size];
    }

    /** Starts every slot at (nearly) the same time and waits until each one listens. */
    void startAll() throws IOException, InterruptedException {
        for (int slot = 0; slot < slots.length; slot++) {
            slots[slot] = launch(slot);
        }
        for (SidecarProcess p : slots) {
            p.awaitListening();
        }
    }

    /** Kills what runs in {@code slot} (if anything) and starts a fresh sidecar there; returns once it listens. */
    synchronized SidecarProcess replace(int slot) throws IOException, InterruptedException {
        if (slots[slot] != null) {
            slots[slot].close();
        }
        SidecarProcess fresh = launch(slot).awaitListening();
        slots[slot] = fresh;
        return fresh;
    }

    private synchronized SidecarProcess launch(int slot) throws IOException {
        incarnations[slot]++;
        List<String> command = new ArrayList<>(args);
        command.addAll(List.of("--pod-name", "pod-" + slot));
        SidecarProcess p = SidecarProcess.start("pod-" + slot + "-" + incarnations[slot], dir, command, env);
        started.add(p);
        return p;
    }

    /** The sidecar in {@code slot} now; null while the first one starts. */
    synchronized SidecarProcess get(int slot) {
        return slots[slot];
    }

    int size() {
        return slots.length;
    }

    Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        for (SidecarProcess p : started) {
            p.close();
        }
    }
}
