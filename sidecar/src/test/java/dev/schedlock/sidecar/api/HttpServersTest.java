package dev.schedlock.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The servers are created with Nagle off and a bound on reading a request. The effect of the first
 * (about 40 ms less per answer on a kept-alive connection) is a benchmark figure
 * (docs/benchmarks.md, notification latency), not a timed test.
 */
class HttpServersTest {

    @Test
    void shouldCreateServersWithNagleOffAndRequestReadingBounded() throws IOException {
        HttpServer server = HttpServers.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        server.stop(0);

        assertThat(System.getProperty(HttpServers.NO_DELAY)).isEqualTo("true");
        assertThat(System.getProperty(HttpServers.MAX_REQUEST_SECONDS)).isEqualTo("10");
    }
}
