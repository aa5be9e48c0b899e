package dev.schedlock.operator.reconciler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The status endpoints ({@code GET /v1/lease}) of thousands of simulated sidecars, for the scale
 * benchmark: one HTTP server on every local address, answering by the address the request came to
 * (each pod has its own 127.x.y.z, all on the loopback interface). A real sidecar per pod would be
 * a JVM per pod; what the operator sees on the wire is the same JSON.
 */
final class BenchSidecars implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final Map<String, byte[]> answers = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong nextIp = new AtomicLong();

    BenchSidecars() throws IOException {
        // The wildcard address: a socket bound to 127.0.0.1 would not take connections to 127.1.x.y.
        server = HttpServer.create(new InetSocketAddress(0), 1024);
        server.createContext("/v1/lease", this::answer);
        server.setExecutor(threads);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** A fresh loopback address for a pod (127.1.0.1 onwards, never .0 or .255). */
    String allocateIp() {
        long k = nextIp.getAndIncrement();
        return "127." + (1 + k / (250 * 256)) + "." + (k / 250 % 256) + "." + (k % 250 + 1);
    }

    /** The sidecar at {@code ip} leads with {@code token}, or stands by behind {@code leaderPod}. */
    void report(String ip, String pod, String leaderPod, long token) {
        boolean leader = pod.equals(leaderPod);
        String json = "{\"lockName\":\"jobs." + leaderPod + "\",\"state\":\"" + (leader ? "LEADER" : "STANDBY")
                + "\",\"leader\":" + leader + ",\"fencingToken\":" + token + ",\"validForMillis\":0,"
                + "\"holder\":{\"id\":\"" + leaderPod + "/uid/n\",\"pod\":\"" + leaderPod + "\",\"host\":\""
                + leaderPod + "\"},\"version\":" + token + "}";
        answers.put(ip, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Status requests answered so far. */
    long requests() {
        return requests.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        byte[] body = answers.get(exchange.getLocalAddress().getAddress().getHostAddress());
        try (OutputStream out = exchange.getResponseBody()) {
            if (body == null) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
