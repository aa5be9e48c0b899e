package dev.schedlock.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:8470 | 127.0.0.1 | 8470 | 127.0.0.1:8470",
        "[::1]:9090     | ::1       | 9090 | [::1]:9090",
        "localhost:0    | localhost | 0    | localhost:0",
    })
    void shouldParseHostAndPortAndWriteThemBack(String text, String host, int port, String written) {
        HostPort parsed = HostPort.parse(text, "127.0.0.1:8470");
        assertThat(parsed).isEqualTo(new HostPort(host, port));
        assertThat(parsed.toString()).isEqualTo(written);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "8080           | '8080' is not host:port: write e.g. 127.0.0.1:8470",
        ":8080          | ':8080' is not host:port",
        "[]:8080        | '[]:8080' has no host",
        "::1:8080       | put an IPv6 address in brackets, e.g. [::1]:8080",
        "host:http      | 'host:http' has no numeric port",
        "host:65536     | port 65536 in 'host:65536' is out of range 0-65535",
    })
    void shouldRefuseWithTheValueAndAnExample(String text, String message) {
        assertThatThrownBy(() -> HostPort.parse(text, "127.0.0.1:8470")).hasMessageContaining(message);
    }
}
