package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.sidecar.api.ControlApi;
import dev.schedlock.sidecar.lease.ElectorRunner;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.lease.LeaseState;
import dev.schedlock.sidecar.lease.MonotonicClock;
import dev.schedlock.sidecar.lease.PermitMode;
import dev.schedlock.sidecar.process.Claimant;
import dev.schedlock.sidecar.process.SidecarProcess;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Notification latency: how soon long-polling clients and event-stream clients, several of each at
 * once, learn of a lease change. The changes are a claim granted and returned, one at a time; the
 * next comes once every client has the last one and had 20 ms to ask again.
 *
 * <ul>
 *   <li><b>In-process:</b> the elector and the control API of a sidecar run in this JVM (as
 *       {@code Sidecar} wires them) on a real store; the clients talk real HTTP on loopback. From
 *       the instant the elector publishes the new version (its first change listener) to the
 *       instant a client has parsed the answer carrying it, on one monotonic clock.</li>
 *   <li><b>Sidecar process:</b> a real sidecar; the benchmark sends the claim or its return over
 *       HTTP. From just before that request is sent (so the figure includes its trip to the
 *       sidecar: an upper bound) to the instant a client has parsed the answer.</li>
 * </ul>
 *
 * <p>Arguments: {@code <sqlite|postgresql> [changes] [long-poll clients=4] [event-stream clients=4] [nagle]}.
 * {@code nagle} reproduces the servers before they turned Nagle's algorithm off, for comparison:
 * it runs both control APIs (this JVM's and the sidecar's, through {@code JAVA_TOOL_OPTIONS}) with
 * {@code -Dsun.net.httpserver.nodelay=false}, which a {@code -D} may still set.
 */
public final class NotifyBench {

    private static final String LOCK = "notify";
    private static final String CLIENT = "bench";
    private static final long ROUND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final String NODELAY = "sun.net.httpserver.nodelay";

    /** Makes change {@code i} and returns the instant it counts from. */
    private interface Change {
        long make(int i) throws Exception;
    }

    /** Latencies of one way of running, per kind of client. */
    private record Result(long[] longPoll, int longPollReceived, long[] streams, int streamsReceived, int expected,
                          int notWaiting) {
    }

    private NotifyBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        String kind = a.text(0, "sqlite");
        int changes = a.count(1, 1000);
        int longPolls = a.count(2, 4);
        int streams = a.count(3, 4);
        boolean nagle = a.text(4, "").equals("nagle");
        if (nagle) {
            // Read once, when the JDK HTTP server is first used: set before any server exists.
            System.setProperty(NODELAY, "false");
        }
        Map<String, String> sidecarEnv = nagle ? Map.of("JAVA_TOOL_OPTIONS", "-D" + NODELAY + "=false") : Map.of();
        BenchStores stores = BenchStores.migrated(kind);
        Result inProcess;
        Result process;
        try {
            inProcess = inProcess(stores, changes, longPolls, streams);
            process = sidecarProcess(stores, changes, longPolls, streams, sidecarEnv);
        } finally {
            stores.drop();
        }
        System.out.printf(Locale.ROOT, "%n## Notification latency, %s, %d long-poll + %d event-stream clients,"
                + " %d changes%s%n%n", kind, longPolls, streams, changes, nagle ? ", " + NODELAY + "=false" : "");
        System.out.println("| clients | in-process: publish → client parsed it | sidecar process: change sent → client"
                + " parsed it |");
        System.out.println("|---|---|---|");
        System.out.printf(Locale.ROOT, "| long-poll | %s | %s |%n", format(inProcess.longPoll()),
                format(process.longPoll()));
        System.out.printf(Locale.ROOT, "| event stream | %s | %s |%n", format(inProcess.streams()),
                format(process.streams()));
        System.out.printf(Locale.ROOT, "%nreceived in-process: long-poll %d of %d, event stream %d of %d;"
                        + " long-polls not waiting at the change: %d%n", inProcess.longPollReceived(),
                inProcess.expected() * longPolls, inProcess.streamsReceived(), inProcess.expected() * streams,
                inProcess.notWaiting());
        System.out.printf(Locale.ROOT, "received sidecar process: long-poll %d of %d, event stream %d of %d;"
                        + " long-polls not waiting at the change: %d%n", process.longPollReceived(),
                process.expected() * longPolls, process.streamsReceived(), process.expected() * streams,
                process.notWaiting());
    }

    /** The elector and control API in this JVM, wired as the sidecar wires them. */
    private static Result inProcess(BenchStores stores, int changes, int longPolls, int streams) throws Exception {
        LeaseConfig config = LeaseConfig.builder().lockName(LOCK).ttl(Duration.ofSeconds(10))
                .heartbeatInterval(Duration.ofSeconds(2)).retryInterval(Duration.ofMillis(500))
                .permitTtl(Duration.ofSeconds(5)).permitMode(PermitMode.CLAIMS).build();
        long[] published = new long[2]; // {version, nanos} of the last publish
        try (JdbcLeaseStore store = stores.open(Duration.ofSeconds(2))) {
            LeaseElector elector = new LeaseElector(config, store,
                    HolderIdentity.forThisProcess("bench-notify", null, "localhost"), MonotonicClock.SYSTEM,
                    () -> ThreadLocalRandom.current().nextDouble(), LeaseMetrics.NOOP);
            // Registered first, so it runs before the control API's watch is told of the change.
            elector.onChange(s -> {
                long now = System.nanoTime();
                synchronized (published) {
                    published[0] = s.version();
                    published[1] = now;
                }
            });
            ElectorRunner runner = new ElectorRunner(elector);
            ControlApi control = new ControlApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), elector,
                    runner::requestStepDown, new ObjectMapper());
            runner.start();
            control.start();
            try {
                while (elector.snapshot().state() != LeaseState.LEADER) {
                    Thread.sleep(10); // benchmark polling until the elector leads
                }
                URI base = URI.create("http://127.0.0.1:" + control.address().getPort() + "/");
                String[] handle = new String[1];
                return measure(base, changes, longPolls, streams, i -> {
                    if (i % 2 == 0) {
                        handle[0] = elector.claim(CLIENT).handle();
                    } else {
                        elector.returnClaim(CLIENT, handle[0]);
                    }
                    synchronized (published) {
                        return published[1];
                    }
                });
            } finally {
                control.close();
                runner.shutdown(true);
            }
        }
    }

    /** A real sidecar process in claims mode; the change is sent to it over HTTP. */
    private static Result sidecarProcess(BenchStores stores, int changes, int longPolls, int streams,
                                         Map<String, String> env) throws Exception {
        try (SidecarGroup group = new SidecarGroup(stores, LOCK, 1, List.of("--permit-mode", "claims",
                "--ttl", "10s", "--heartbeat-interval", "2s", "--retry-interval", "500ms", "--permit-ttl", "5s"), env)) {
            group.startAll();
            SidecarProcess sidecar = group.get(0);
            while (!sidecar.lease().path("leader").asBoolean()) {
                Thread.sleep(10); // benchmark polling until the sidecar leads
            }
            URI base = sidecar.controlUri("/");
            Claimant claimant = new Claimant(sidecar, CLIENT);
            return measure(base, changes, longPolls, streams, i -> {
                long sent = System.nanoTime();
                SidecarProcess.Reply reply = i % 2 == 0 ? claimant.claim() : claimant.returnClaim();
                if (reply.status() != 200 && reply.status() != 204) {
                    throw new IllegalStateException("change " + i + " refused: " + reply.status() + " " + reply.body());
                }
                return sent;
            });
        }
    }

    private static Result measure(URI base, int changes, int longPolls, int streams, Change change) throws Exception {
        long[] lp = new long[changes * longPolls];
        long[] sse = new long[changes * streams];
        int lpCount = 0;
        int sseCount = 0;
        int notWaiting = 0;
        try (Watchers watchers = new Watchers(base, longPolls, streams)) {
            for (int i = 0; i < changes; i++) {
                long baseline = watchers.awaitAgreement(ROUND_TIMEOUT_NANOS * 5);
                Thread.sleep(20); // pacing: every long-poll has asked again and waits
                watchers.beginRound(baseline);
                long changedAt = change.make(i);
                watchers.awaitRound(ROUND_TIMEOUT_NANOS);
                for (int c = 0; c < watchers.size(); c++) {
                    long received = watchers.receivedNanos(c);
                    if (received == 0) {
                        continue;
                    }
                    if (c < watchers.longPolls()) {
                        if (watchers.sentNanos(c) - changedAt > 0) {
                            notWaiting++; // asked only after the change: not a notification
                            continue;
                        }
                        lp[lpCount++] = received - changedAt;
                    } else {
                        sse[sseCount++] = received - changedAt;
                    }
                }
            }
        }
        return new Result(java.util.Arrays.copyOf(lp, lpCount), lpCount, java.util.Arrays.copyOf(sse, sseCount),
                sseCount, changes, notWaiting);
    }

    private static String format(long[] nanos) {
        if (nanos.length == 0) {
            return "none received";
        }
        Stats s = Stats.of(nanos);
        return String.format(Locale.ROOT, "p50 %s, p95 %s, p99 %s, max %s (n=%d)", Stats.us(s.p50()), Stats.us(s.p95()),
                Stats.us(s.p99()), Stats.us(s.max()), s.n());
    }
}
