package dev.schedlock.client.process;

import dev.schedlock.client.SchedlockClient;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real sidecar processes (the shaded jar, through the sidecar's own test helper) on one SQLite file,
 * with short timings, each on a control port of its own that survives a restart: an app beside a
 * sidecar keeps its address when the sidecar is killed and started again. Closing it kills all.
 */
public final class LocalSidecars implements AutoCloseable {

    /** TTL 3 s, heartbeat 1 s, retry 200 ms, permit 1 s: a takeover within about 3 s of a kill. */
    public static final List<String> FAST_TIMING = List.of("--ttl", "3s", "--heartbeat-interval", "1s",
            "--retry-interval", "200ms", "--permit-ttl", "1s");

    private final Path dir;
    private final Path store;
    private final List<SidecarProcess> started = new ArrayList<>();

    public LocalSidecars(Path dir) {
        this.dir = dir;
        this.store = dir.resolve("lease.db");
    }

    public Path dir() {
        return dir;
    }

    /** A free loopback port, for a sidecar that must come back on the same address. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code run} with the fast timing on {@code controlPort} (0: any) and waits until it listens. */
    public SidecarProcess start(String pod, int controlPort, String... extra) throws IOException, InterruptedException {
        return launch(pod, controlPort, extra).awaitListening();
    }

    /** Starts it without waiting. */
    public SidecarProcess launch(String pod, int controlPort, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--store", "jdbc:sqlite:" + store, "--pod-name", pod,
                "--control-address", "127.0.0.1:" + controlPort, "--status-address", "127.0.0.1:0"));
        args.addAll(FAST_TIMING);
        args.addAll(List.of(extra));
        SidecarProcess p = SidecarProcess.start(pod + "-" + started.size(), dir, args);
        started.add(p);
        return p;
    }

    /** A client of {@code sidecar} with a 2 s request timeout (the machine may be loaded). */
    public static SchedlockClient client(SidecarProcess sidecar) {
        return SchedlockClient.create(URI.create(sidecar.controlUri("").toString()), Duration.ofSeconds(2));
    }

    @Override
    public void close() {
        started.forEach(SidecarProcess::close);
    }
}
