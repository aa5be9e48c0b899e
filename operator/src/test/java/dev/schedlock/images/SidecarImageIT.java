package dev.schedlock.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.schedlock.charts.Tools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar image as built from {@code sidecar/Dockerfile}: how it runs (non-root, read-only
 * root, a tmpfs /tmp, no shell), that its class-data archive is used, its one-shot commands, and
 * what it costs (start to leader, idle RSS), measured on the container's own JVM.
 */
class SidecarImageIT {

    /** The memory limit the Dockerfile tells users to give the container at least. */
    private static final String MEMORY_LIMIT = "128m";
    /** Renewals (one a second here) the idle leader makes before its RSS is read. */
    private static final int IDLE_RENEWALS = Integer.getInteger("schedlock.footprint.renewals", 10);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("schedlock.repo.root", "..")).toAbsolutePath().normalize();
    private final HttpClient http = HttpClient.newHttpClient();
    private Podman podman;
    private String image;

    @BeforeEach
    void image() throws Exception {
        podman = Podman.onPath();
        image = podman.image("sidecar");
    }

    @AfterEach
    void remove() throws Exception {
        podman.close();
    }

    @Test
    void shouldLeadAsNonRootOnAReadOnlyRootWithinItsMemoryLimit() throws Exception {
        String volume = podman.volume("schedlock-lease");
        int control = freePort();
        int status = freePort();
        long startNanos = System.nanoTime();
        String sidecar = podman.start("schedlock-image-" + control,
                "--read-only", "--tmpfs", "/tmp:exec", "--memory", MEMORY_LIMIT, "--network", "host",
                "-v", volume + ":/var/lib/schedlock",
                "-e", "SCHEDLOCK_CONTROL_ADDRESS=127.0.0.1:" + control,
                "-e", "SCHEDLOCK_STATUS_ADDRESS=127.0.0.1:" + status,
                "-e", "SCHEDLOCK_HEARTBEAT_INTERVAL=1s", "-e", "SCHEDLOCK_PERMIT_TTL=1s",
                image);

        JsonNode lease = await("the container leads").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .until(() -> get(control, "/v1/lease"), l -> l.path("leader").asBoolean());
        double startToLeader = (System.nanoTime() - startNanos) / 1e9;
        double jvmToLeader = System.currentTimeMillis() / 1e3 - metric(status, "process_start_time_seconds");
        assertThat(lease.path("fencingToken").asLong()).isEqualTo(1);
        assertThat(lease.path("validForMillis").asLong()).as("a permit").isPositive();

        assertThat(podman.inspect(sidecar, "{{.Config.User}}")).isEqualTo("65532:65532");
        assertThat(podman.inspect(sidecar, "{{.HostConfig.ReadonlyRootfs}}")).isEqualTo("true");
        long pid = podman.pid(sidecar);
        assertThat(Podman.procStatus(pid, "Uid")).as("real, effective, saved and fs uid").isEqualTo(
                "65532\t65532\t65532\t65532");
        assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")))
                .startsWith("/opt/schedlock/java/bin/java");

        // Idle leader: renewing, serving nothing. RSS as the kernel counts it for the container's JVM.
        await("renewals").atMost(Duration.ofSeconds(IDLE_RENEWALS * 3L)).pollInterval(Duration.ofMillis(500))
                .until(() -> metric(status, "schedlock_lease_heartbeat_latency_seconds_count") >= IDLE_RENEWALS);
        long rssKb = Long.parseLong(Podman.procStatus(pid, "VmRSS").replace(" kB", ""));
        assertThat(get(control, "/v1/lease").path("fencingToken").asLong()).as("still the first lease").isEqualTo(1);
        System.out.printf(Locale.ROOT, "sidecar image footprint: podman run -> leader %.2f s, JVM start -> leader"
                + " %.2f s, idle leader RSS %.1f MiB after %d renewals (limit %s)%n", startToLeader, jvmToLeader,
                rssKb / 1024.0, IDLE_RENEWALS, MEMORY_LIMIT);
        assertThat(rssKb).as("idle RSS (kB) below the documented memory limit").isLessThan(128 * 1024);
    }

    @Test
    void shouldMapItsClassDataArchive() throws Exception {
        Tools.Result help = podman.once("--read-only", "--tmpfs", "/tmp:exec", "--network", "none",
                "-e", "JAVA_TOOL_OPTIONS=-Xlog:cds=info -Xlog:class+load=info", image, "--help");
        assertThat(help.exit()).as(help.toString()).isZero();
        assertThat(help.out()).as(help.toString())
                .contains("Opened archive /opt/schedlock/sidecar.jsa.", "Mapped dynamic region #0")
                .contains("dev.schedlock.sidecar.cli.SidecarMain source: shared objects file (top)");
    }

    @Test
    void shouldHaveNoShell() throws Exception {
        for (String shell : new String[] {"/bin/sh", "/bin/bash", "/busybox/sh"}) {
            Tools.Result run = podman.once("--network", "none", "--entrypoint", shell, image, "-c", "true");
            assertThat(run.exit()).as(run.toString()).isNotZero();
            assertThat(run.err()).as(run.toString()).contains("no such file or directory");
        }
    }

    @Test
    void shouldRunHelpMigrateStatusAndHistoryInTheImage() throws Exception {
        String volume = podman.volume("schedlock-cli");
        String[] ro = {"--read-only", "--tmpfs", "/tmp:exec", "--network", "none", "-v", volume + ":/var/lib/schedlock"};

        Tools.Result help = podman.once(concat(ro, image, "--help"));
        assertThat(help.exit()).as(help.toString()).isZero();
        assertThat(help.out()).contains("run", "status", "history", "migrate", "release");

        Tools.Result migrate = podman.once(concat(ro, image, "migrate"));
        assertThat(migrate.exit()).as(migrate.toString()).isZero();
        // The newest migration the jar ships: as many as the SQLite scripts in the repository.
        long newest;
        try (var scripts = Files.list(ROOT.resolve("sidecar/src/main/resources/db/sqlite"))) {
            newest = scripts.filter(f -> f.getFileName().toString().matches("V[0-9]+__.*\\.sql")).count();
        }
        assertThat(migrate.out()).contains("schema version " + newest + " (was 0)");

        Tools.Result never = podman.once(concat(ro, image, "status"));
        assertThat(never.exit()).as(never.toString()).isZero();
        assertThat(never.out()).contains("never acquired");

        int control = freePort();
        podman.start("schedlock-cli-" + control, "--read-only", "--tmpfs", "/tmp:exec", "--network", "host",
                "-v", volume + ":/var/lib/schedlock", "-e", "SCHEDLOCK_CONTROL_ADDRESS=127.0.0.1:" + control,
                "-e", "SCHEDLOCK_STATUS_ADDRESS=127.0.0.1:" + freePort(), image);
        JsonNode lease = await("the container leads").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> get(control, "/v1/lease"), l -> l.path("leader").asBoolean());
        String holder = lease.path("holder").path("id").asText();

        Tools.Result held = podman.once(concat(ro, image, "status"));
        assertThat(held.exit()).as(held.toString()).isZero();
        assertThat(held.out()).contains("held by " + holder, "fencing token 1");
        Tools.Result history = podman.once(concat(ro, image, "history"));
        assertThat(history.exit()).as(history.toString()).isZero();
        assertThat(history.out()).containsPattern("acquired\\s+1\\s+" + holder);
    }

    @Test
    void composeExampleHealthcheckShouldFailBeforeTheStoreExistsAndPassOnceASidecarLeads() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(
                ROOT.resolve("docs/examples/docker-compose/compose.yaml").toFile());
        List<String> test = new ArrayList<>();
        compose.path("x-sidecar").path("healthcheck").path("test").forEach(w -> test.add(w.asText()));
        assertThat(test.get(0)).isEqualTo("CMD");
        String volume = podman.volume("schedlock-health");
        List<String> check = new ArrayList<>(List.of("--network", "none", "-v", volume + ":/var/lib/schedlock",
                "--entrypoint", test.get(1), image));
        check.addAll(test.subList(2, test.size()));

        Tools.Result before = podman.once(check.toArray(String[]::new));
        assertThat(before.exit()).as(before.toString()).isNotZero();

        int control = freePort();
        podman.start("schedlock-health-" + control, "--network", "host", "-v", volume + ":/var/lib/schedlock",
                "-e", "SCHEDLOCK_CONTROL_ADDRESS=127.0.0.1:" + control, "-e", "SCHEDLOCK_STATUS_ADDRESS=127.0.0.1:"
                + freePort(), image, "run", "--lock-name=example-reports");
        await("the container leads").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> get(control, "/v1/lease"), l -> l.path("leader").asBoolean());
        Tools.Result after = podman.once(check.toArray(String[]::new));
        assertThat(after.exit()).as(after.toString()).isZero();
    }

    /** A metric of the status server, summed over its labels. */
    private double metric(int statusPort, String name) throws IOException, InterruptedException {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
