package dev.schedlock.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalRequestsTest {

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "LocalHost", "localhost:8470", "127.0.0.1", "127.0.0.1:8470", "127.255.255.254:1",
        "[::1]", "[::1]:8470", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]:8470", " 127.0.0.1:8470 "})
    void shouldTakeLoopbackNamesAndAddressesForLoopback(String host) {
        assertThat(LocalRequests.isLoopbackHost(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "evil.example", "evil.example:8470", "localhost.evil.example", "localhost.",
        "127.0.0.1.nip.io", "127.1", "127.0.0.256", "128.0.0.1", "0.0.0.0", "10.0.0.1", "::1", "[::2]", "[fe80::1]",
        "[::1", "[::1]x", "[::1%25lo]", "127.0.0.1:", "127.0.0.1:80:80", "127.0.0.1:abc", "localhost:123456",
        "[localhost]", "[evil.example]"})
    void shouldTakeAnythingElseForAnotherHost(String host) {
        assertThat(LocalRequests.isLoopbackHost(host)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/json; charset=utf-8", "Application/JSON",
        " application/json ;charset=UTF-8"})
    void shouldTakeJsonWithOrWithoutParameters(String type) {
        assertThatCode(() -> LocalRequests.requireJson(new FakeExchange("POST", "/v1/claims", "", "Content-Type", type)))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "text/plain; application/json", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/jsonx", "application/json-patch+json", ""})
    void shouldRefuseAnyOtherContentType(String type) {
        FakeExchange exchange = new FakeExchange("POST", "/v1/lease/release", "", "Content-Type", type);

        assertThatThrownBy(() -> LocalRequests.requireJson(exchange)).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.status()).isEqualTo(415);
            assertThat(r.getMessage()).contains("Content-Type: application/json");
        });
    }

    @Test
    void shouldRefuseAPostWithoutContentTypeOrWithTwo() {
        for (FakeExchange exchange : new FakeExchange[] {new FakeExchange("POST", "/v1/claims", ""),
            new FakeExchange("POST", "/v1/claims", "", "Content-Type", "application/json", "Content-Type", "text/plain")}) {
            assertThatThrownBy(() -> LocalRequests.requireJson(exchange)).isInstanceOf(Refusal.class);
        }
    }
}
