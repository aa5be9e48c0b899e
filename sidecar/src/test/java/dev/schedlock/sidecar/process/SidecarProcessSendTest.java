package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tests' HTTP helper sends a request once more, and only once, when the connection closed
 * before any byte of the answer (what the JDK client reports when its pool loses an answer), and
 * never in any other case. A raw socket server plays the sidecar, so the closing is exact.
 */
class SidecarProcessSendTest {

    private final List<ServerSocket> servers = new ArrayList<>();

    @AfterEach
    void closeServers() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
    }

    @Test
    void shouldSendOnceMoreWhenTheConnectionClosedBeforeAnyByteOfTheAnswer() throws Exception {
        URI uri = serve(1); // closes the first connection after reading the request, answers the next

        SidecarProcess.Reply reply = SidecarProcess.send(claim(uri));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("{\"granted\":true}");
        assertThat(reply.attempts()).isEqualTo(2);
        assertThat(reply.wasResent()).isTrue();
    }

    @Test
    void shouldSendOnceWhenTheAnswerArrives() throws Exception {
        URI uri = serve(0);

        SidecarProcess.Reply reply = SidecarProcess.send(claim(uri));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.wasResent()).isFalse();
    }

    @Test
    void shouldFailWhenTheSecondAttemptLosesItsAnswerToo() throws Exception {
        URI uri = serve(Integer.MAX_VALUE); // never answers

        assertThatThrownBy(() -> SidecarProcess.send(claim(uri)))
                .isInstanceOf(IOException.class)
                .hasMessage("HTTP/1.1 header parser received no bytes");
    }

    @Test
    void shouldNotResendWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI uri = URI.create("http://127.0.0.1:" + port + "/v1/claims");

        assertThatThrownBy(() -> SidecarProcess.send(claim(uri))).isInstanceOf(ConnectException.class);
    }

    private static HttpRequest.Builder claim(URI uri) {
        return HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"client\":\"worker-1\"}"));
    }

    /** A server that closes its first {@code dropFirst} connections after reading a request, then answers 200. */
    private URI serve(int dropFirst) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.add(server);
        Thread t = new Thread(() -> {
            int connections = 0;
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    connections++;
                    readRequest(socket.getInputStream());
                    if (connections > dropFirst) {
                        byte[] body = "{\"granted\":true}".getBytes(StandardCharsets.UTF_8);
                        OutputStream out = socket.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                        out.flush();
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            }
        }, "raw-server");
        t.setDaemon(true);
        t.start();
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/claims");
    }

    /** Reads the request head and its Content-Length body. */
    private static void readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b == -1) {
                return;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII).toLowerCase();
        int at = text.indexOf("content-length:");
        if (at >= 0) {
            int length = Integer.parseInt(text.substring(at + 15, text.indexOf("\r\n", at)).trim());
            in.readNBytes(length);
        }
    }
}
