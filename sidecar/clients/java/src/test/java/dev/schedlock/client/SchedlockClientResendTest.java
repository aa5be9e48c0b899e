package dev.schedlock.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one case in which the client sends a request twice: the connection closed before a single
 * byte of the answer (how the JDK client reports an answer lost on a reused connection,
 * JDK-8336655). A raw socket server plays the sidecar, so that the closing is exact.
 */
class SchedlockClientResendTest {

    private static final String GRANT = "{\"granted\":true,\"fencingToken\":7,\"validForMillis\":1000,\"handle\":\"h\"}";
    /** The lease view a grant is followed by, for the store id. */
    private static final String VIEW = "{\"lockName\":\"default\",\"state\":\"LEADER\",\"leader\":true,\"fencingToken\":7,"
            + "\"storeId\":\"4c1e9a7b-2d3f-4e5a-8b6c-7d8e9f0a1b2c\",\"validForMillis\":0,"
            + "\"holder\":{\"id\":\"p/n\",\"pod\":\"p\",\"host\":\"h\"},\"version\":3}";
    /** Closes the connection without sending a byte. */
    private static final String CLOSE = "";

    private ServerSocket server;
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldSendAClaimOnceMoreWhenItsAnswerWasLostAndCountTheGrantFromTheFirstSend() throws Exception {
        SchedlockClient client = serve(CLOSE, answer(200, GRANT), answer(200, VIEW));

        long before = System.nanoTime();
        Claim claim = client.claim("worker-1");

        assertThat(requestLines).containsExactly("POST /v1/claims HTTP/1.1", "POST /v1/claims HTTP/1.1",
                "GET /v1/lease?wait=1ms&version=-1 HTTP/1.1");
        assertThat(claim.permit().storeId()).isEqualTo("4c1e9a7b-2d3f-4e5a-8b6c-7d8e9f0a1b2c");
        assertThat(claim.resent()).isTrue();
        assertThat(claim.permit().fencingToken()).isEqualTo(7);
        assertThat(claim.permit().sentNanos()).as("counted from the first send, before the first request arrived")
                .isBetween(before, arrivals.get(0));
    }

    @Test
    void shouldCountASecondReturnThatFindsNoClaimAsReturned() throws Exception {
        SchedlockClient client = serve(CLOSE, answer(404, "{\"error\":\"NO_CLAIM\",\"message\":\"none\"}"));

        assertThat(client.returnClaim(claim())).isTrue();
        assertThat(requestLines).hasSize(2);
    }

    @Test
    void shouldNotCountAReturnThatFindsNoClaimAtTheFirstSendAsReturned() throws Exception {
        SchedlockClient client = serve(answer(404, "{\"error\":\"NO_CLAIM\",\"message\":\"none\"}"));

        assertThat(client.returnClaim(claim())).isFalse();
        assertThat(requestLines).hasSize(1);
    }

    @Test
    void shouldFailWithoutAPermitWhenTheSecondAnswerIsLostToo() throws Exception {
        SchedlockClient client = serve(CLOSE, CLOSE, answer(200, GRANT));

        assertThatThrownBy(() -> client.claim("worker-1")).isInstanceOf(SidecarUnreachableException.class)
                .hasMessageContaining("no answer is no permit");
        assertThat(requestLines).as("sent twice, never a third time").hasSize(2);
    }

    @Test
    void shouldNameTheSidecarsErrorCodeAndStatus() throws Exception {
        SchedlockClient client = serve(answer(415,
                "{\"error\":\"UNSUPPORTED_MEDIA_TYPE\",\"message\":\"send Content-Type: application/json\"}"));

        assertThatThrownBy(client::stepDown).isInstanceOfSatisfying(SidecarErrorException.class, e -> {
            assertThat(e.status()).isEqualTo(415);
            assertThat(e.code()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
            assertThat(e.getMessage()).contains("send Content-Type: application/json");
        });
        assertThat(requestLines).hasSize(1);
    }

    private static Claim claim() {
        return new Claim("worker-1", "h", new Permit(7, "s", System.nanoTime(), 1000), false);
    }

    private static String answer(int status, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n" + json;
    }

    /** Answers one connection after another with {@code answers}; {@link #CLOSE} closes the connection without a byte. */
    private SchedlockClient serve(String... answers) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Deque<String> queue = new ArrayDeque<>(List.of(answers));
        Thread thread = new Thread(() -> {
            while (!queue.isEmpty()) {
                try (Socket socket = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    requestLines.add(in.readLine());
                    arrivals.add(System.nanoTime());
                    int length = 0;
                    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    in.skip(length);
                    String next = queue.poll();
                    if (!next.isEmpty()) {
                        socket.getOutputStream().write(next.getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "raw-sidecar");
        thread.setDaemon(true);
        thread.start();
        return SchedlockClient.create(URI.create("http://127.0.0.1:" + server.getLocalPort()));
    }
}
