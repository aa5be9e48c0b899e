package dev.schedlock.sidecar.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Creates the JDK HTTP servers of the sidecar and their request threads.
 *
 * <p>Two settings the JDK leaves off by default. The JDK reads them once, when its first server
 * is created, and they apply to every server in the process; they are set (unless given on the
 * command line with {@code -D}) before every creation:
 * <ul>
 *   <li>{@code sun.net.httpserver.nodelay=true}: TCP_NODELAY on accepted sockets. The server
 *       writes an answer's headers and its body separately; with Nagle's algorithm on, the body
 *       of an answer on a kept-alive connection waits for the client's delayed ACK, about 40 ms on
 *       Linux. Measured with the notification benchmark (docs/benchmarks.md): a long-polling
 *       client learned of a change after 43 ms at the median with Nagle, 1.3 ms without.</li>
 *   <li>{@code sun.net.httpserver.maxReqTime=10}: the JDK reads a request's header and body on a
 *       request thread, with no time limit by default, so a client that never finishes its
 *       request would hold that thread forever; bound it (seconds, counted from the request's
 *       first byte). A connection that sends nothing holds no thread and is closed after the same
 *       time. Responses (event streams) are not affected.</li>
 * </ul>
 *
 * <p>Because a slow client holds a request thread for up to that limit, each server's pool is
 * sized for many more of them than it needs for its real clients, see {@link #requestThreads}
 * and docs/decisions/0003-jdk-http-server.md.
 */
final class HttpServers {

    static final String NO_DELAY = "sun.net.httpserver.nodelay";
    static final String MAX_REQUEST_SECONDS = "sun.net.httpserver.maxReqTime";

    private HttpServers() {
    }

    static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
        setUnlessGiven(NO_DELAY, "true");
        setUnlessGiven(MAX_REQUEST_SECONDS, "10");
        return HttpServer.create(address, backlog);
    }

    /**
     * Request threads, started on demand up to {@code max} and ended after 30 s without work: an
     * idle sidecar keeps none, and {@code max} slow or waiting clients leave the others without a
     * thread. Past {@code max} busy threads a new request is refused and the JDK server closes its
     * connection without an answer, which a client must take as "no permit".
     */
    static ThreadPoolExecutor requestThreads(String name, int max) {
        return new ThreadPoolExecutor(0, max, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private static void setUnlessGiven(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
