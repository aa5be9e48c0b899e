package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Anyone who reaches the pod IP can open connections to the status server and send their
 * requests one byte a second. Each such connection holds a request thread until the JDK server's
 * request time limit (10 s) closes it, and is then opened again. With 64 of them open, the
 * kubelet's probes must still be answered within their timeout (2 s here, 1 s is the kubelet's
 * default), or the kubelet restarts a healthy sidecar and forces a failover. The same holds for
 * permit queries on the control API. How fast they are answered is a benchmark figure
 * ({@code Bench slow-clients}, docs/benchmarks.md), not asserted here.
 */
class SlowConnectionsIT extends WithSidecars {

    private static final int SLOW = 64;
    private static final Duration BYTE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** 60 probes over 15 s: past the 10 s after which the server drops the slow connections and they come back. */
    private static final int PROBES = 60;
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(250);

    @Test
    void shouldAnswerEveryProbeWhile64SlowConnectionsAreOpen() throws Exception {
        SidecarProcess sidecar = sidecars.start("pod-a");
        Sidecars.awaitLeading(sidecar);

        assertAllAnswered("status server", probeWhileSlow(sidecar.statusUri(""), "/healthz", "/readyz"));
    }

    @Test
    void shouldGrantPermitsWhile64SlowConnectionsAreOpenOnTheControlApi() throws Exception {
        SidecarProcess sidecar = sidecars.start("pod-a");
        Sidecars.awaitLeading(sidecar);

        // 200 on /v1/lease/allowed is a permit.
        assertAllAnswered("control API", probeWhileSlow(sidecar.controlUri(""), "/v1/lease/allowed"));
    }

    /** Probes {@code server} while {@value #SLOW} slow connections are open to it, across the server dropping them. */
    private static List<Probes.Result> probeWhileSlow(URI server, String... paths) throws InterruptedException {
        try (SlowClients slow = SlowClients.open(server, SLOW, BYTE_INTERVAL)) {
            await("the slow connections are open").atMost(Sidecars.PATIENCE).until(() -> slow.open() == SLOW);
            List<Probes.Result> probes = Probes.run(server, List.of(paths), PROBES, PROBE_INTERVAL, PROBE_TIMEOUT);
            assertThat(slow.opened()).as("the server dropped slow connections and they came back").isGreaterThan(SLOW);
            return probes;
        }
    }

    private static void assertAllAnswered(String server, List<Probes.Result> probes) {
        report(server, probes);
        assertThat(probes).as("every request answered within %s", PROBE_TIMEOUT)
                .allSatisfy(p -> assertThat(p.answered()).as(p.toString()).isTrue())
                .allSatisfy(p -> assertThat(p.status()).as(p.toString()).isEqualTo(200));
    }

    @Test
    void shouldRefuseALongPollBeyondTheLimitWith503AndKeepAnsweringPermitQueries() throws Exception {
        SidecarProcess sidecar = sidecars.start("pod-a");
        Sidecars.awaitLeading(sidecar);
        URI control = sidecar.controlUri("");
        long version = sidecar.lease().path("version").asLong();
        String longPoll = RawHttp.request("GET", "/v1/lease?wait=60s&version=" + version, null,
                "Host: 127.0.0.1:" + control.getPort());

        List<Socket> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) {
                Socket s = new Socket(control.getHost(), control.getPort());
                waiting.add(s);
                OutputStream out = s.getOutputStream();
                out.write(longPoll.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            // Until all 64 are read, a 65th may take a slot and wait (its probe times out): try again.
            RawHttp.Answer refused = await("the 65th long-poll is refused").atMost(Sidecars.PATIENCE)
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> RawHttp.send(control, longPoll, PROBE_TIMEOUT), a -> a.status() != 200);

            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("TOO_MANY_WAITING").doesNotContain("validForMillis");
            Probes.Result permit = Probes.probe(control, "/v1/lease/allowed", PROBE_TIMEOUT);
            assertThat(permit.status()).as("a plain permit query still answers: " + permit).isEqualTo(200);
        } finally {
            for (Socket s : waiting) {
                s.close();
            }
        }
    }

    private static void report(String server, List<Probes.Result> probes) {
        long[] millis = probes.stream().mapToLong(p -> p.nanos() / 1_000_000).sorted().toArray();
        System.out.printf("%s with %d slow connections: %d probes, p50 %d ms, p99 %d ms, max %d ms%n", server, SLOW,
                millis.length, millis[millis.length / 2], millis[(int) Math.ceil(millis.length * 0.99) - 1],
                millis[millis.length - 1]);
        System.out.println("  " + Arrays.toString(millis));
    }
}
