package dev.schedlock.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExchangesTest {

    private final ObjectMapper json = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1x", "", "99999999999999999999", "0x10"})
    void shouldRefuseAContentLengthThatIsNoNumberAs400Not413(String length) {
        FakeExchange exchange = new FakeExchange("POST", "/v1/claims", "{}", "Content-Length", length);

        assertThatThrownBy(() -> Exchanges.readBody(exchange)).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.error()).isEqualTo("BAD_REQUEST");
            assertThat(r.getMessage()).contains("Content-Length");
        });
    }

    @Test
    void shouldRefuseABodyOverTheLimitAs413() {
        FakeExchange declared = new FakeExchange("POST", "/v1/claims", "x".repeat(5000), "Content-Length", "5000");
        FakeExchange undeclared = new FakeExchange("POST", "/v1/claims", "x".repeat(5000));

        for (FakeExchange exchange : new FakeExchange[] {declared, undeclared}) {
            assertThatThrownBy(() -> Exchanges.readBody(exchange)).isInstanceOfSatisfying(Refusal.class,
                    r -> assertThat(r.status()).isEqualTo(413));
        }
    }

    @Test
    void shouldReadABodyWithinTheLimit() throws Exception {
        FakeExchange exchange = new FakeExchange("POST", "/v1/claims", "{\"client\":\"w\"}", "Content-Length", "14");

        assertThat(new String(Exchanges.readBody(exchange))).isEqualTo("{\"client\":\"w\"}");
    }

    @Test
    void shouldAnswerHeadWithTheHeadersOfGetAndNoBody() throws Exception {
        FakeExchange get = new FakeExchange("GET", "/healthz", "");
        FakeExchange head = new FakeExchange("HEAD", "/healthz", "");

        Exchanges.sendText(get, 200, "text/plain; charset=utf-8", "ok\n");
        Exchanges.sendText(head, 200, "text/plain; charset=utf-8", "ok\n");

        assertThat(get.sentLength()).isEqualTo(3);
        assertThat(head.sentLength()).as("no length passed for HEAD: the JDK warns about it").isEqualTo(-1);
        assertThat(head.getResponseHeaders().getFirst("Content-Length")).isEqualTo("3");
        assertThat(head.getResponseHeaders().getFirst("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(head.body()).isEmpty();
    }

    @Test
    void shouldAnswerHeadToAnErrorWithoutBodyToo() throws Exception {
        FakeExchange head = new FakeExchange("HEAD", "/v1/lease", "");
        Map<String, String> error = Map.of("error", "METHOD_NOT_ALLOWED");

        Exchanges.sendJson(head, 405, error, json);

        assertThat(head.status()).isEqualTo(405);
        assertThat(head.sentLength()).isEqualTo(-1);
        assertThat(head.getResponseHeaders().getFirst("Content-Length"))
                .isEqualTo(Integer.toString(json.writeValueAsBytes(error).length));
        assertThat(head.body()).isEmpty();
    }
}
