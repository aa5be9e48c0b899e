package dev.schedlock.sidecar.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Creates the JDK HTTP servers of the sidecar with two settings the JDK leaves off by default.
 * The JDK reads them once, when its first server is created, so they are set (unless given on
 * the command line with {@code -D}) before every creation:
 * <ul>
 *   <li>{@code sun.net.httpserver.nodelay=true}: TCP_NODELAY on accepted sockets. The server
 *       writes an answer's headers and its body separately; with Nagle's algorithm on, the body
 *       of an answer on a kept-alive connection waits for the client's delayed ACK, about 40 ms on
 *       Linux. Measured with the notification benchmark (docs/benchmarks.md): a long-polling
 *       client learned of a change after 43 ms at the median with Nagle, 1.3 ms without.</li>
 *   <li>{@code sun.net.httpserver.maxReqTime=10}: request headers are read on the worker
 *       threads with no time limit by default, so a client that never finishes its request would
 *       hold a worker forever; bound it (seconds). Responses (event streams) are not affected.</li>
 * </ul>
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

    private static void setUnlessGiven(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
