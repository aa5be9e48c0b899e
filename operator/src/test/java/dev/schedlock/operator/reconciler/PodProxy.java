package dev.schedlock.operator.reconciler;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's pod proxy ({@code /api/v1/namespaces/NS/pods/POD:PORT/proxy/PATH}), which the
 * mock server lacks: GETs are forwarded to the pod's IP (a simulated pod's real sidecar) and its
 * answer is returned as it came, as the real proxy does. A pod without an IP is answered 503, as
 * the real API server does when it cannot reach the pod. Everything else goes to the mock server.
 */
final class PodProxy extends WrappingDispatcher {

    private static final Pattern PROXY = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/:]+):(\\d+)/proxy(/[^?]*)?(\\?.*)?$");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Pod name → its IP; set by the test that runs pods. */
    private volatile Function<String, Optional<String>> podIps = pod -> Optional.empty();

    PodProxy(Dispatcher delegate) {
        super(delegate);
    }

    void routeTo(Function<String, Optional<String>> ips) {
        this.podIps = ips;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Matcher m = PROXY.matcher(request.getPath());
        if (!m.matches()) {
            return delegate.dispatch(request);
        }
        if (!"GET".equals(request.getMethod())) {
            return status(405, "MethodNotAllowed", "this stand-in proxies GET only");
        }
        Optional<String> ip = podIps.apply(m.group(2));
        if (ip.isEmpty()) {
            return status(503, "ServiceUnavailable", "pod " + m.group(2) + " has no IP");
        }
        String target = "http://" + ip.get() + ":" + m.group(3) + (m.group(4) == null ? "/" : m.group(4))
                + (m.group(5) == null ? "" : m.group(5));
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(target))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new MockResponse().setResponseCode(answer.statusCode())
                    .setHeader("Content-Type", answer.headers().firstValue("Content-Type").orElse("text/plain"))
                    .setBody(answer.body());
        } catch (IOException e) {
            return status(503, "ServiceUnavailable", "error trying to reach service: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return status(503, "ServiceUnavailable", "interrupted");
        }
    }

    private static MockResponse status(int code, String reason, String message) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"" + reason
                        + "\",\"code\":" + code + ",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"")
                        + "\"}");
    }
}
