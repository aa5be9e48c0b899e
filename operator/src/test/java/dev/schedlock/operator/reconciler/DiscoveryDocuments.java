package dev.schedlock.operator.reconciler;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;

/**
 * The API server's discovery documents ({@code /api}, {@code /apis}, {@code /api/v1},
 * {@code /apis/GROUP/VERSION}), which the mock server does not serve and kubectl reads before it
 * patches a resource by name. Off until a test calls {@link #serve}, so that the operator's own
 * client meets the mock server as before. Answered whatever the query string ({@code ?timeout=…}).
 */
final class DiscoveryDocuments extends WrappingDispatcher {

    private volatile Map<String, String> documents = Map.of();

    DiscoveryDocuments(Dispatcher delegate) {
        super(delegate);
    }

    /**
     * Serves the core group with pods and the {@code schedlock.dev/v1alpha1} group with
     * schedulerdeployments, as kubectl needs them for {@code kubectl patch schedulerdeployments.schedlock.dev}.
     */
    void serve() {
        documents = Map.of(
                "/api", """
                        {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}""",
                "/apis", """
                        {"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"schedlock.dev",\
                        "versions":[{"groupVersion":"schedlock.dev/v1alpha1","version":"v1alpha1"}],\
                        "preferredVersion":{"groupVersion":"schedlock.dev/v1alpha1","version":"v1alpha1"}}]}""",
                "/api/v1", """
                        {"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods",\
                        "singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","patch"]}]}""",
                "/apis/schedlock.dev/v1alpha1", """
                        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"schedlock.dev/v1alpha1",\
                        "resources":[{"name":"schedulerdeployments","singularName":"schedulerdeployment",\
                        "namespaced":true,"kind":"SchedulerDeployment","shortNames":["sd","schedd"],\
                        "verbs":["get","list","patch","update","watch"]}]}""");
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        int query = path.indexOf('?');
        String document = "GET".equals(request.getMethod())
                ? documents.get(query < 0 ? path : path.substring(0, query)) : null;
        if (document == null) {
            return delegate.dispatch(request);
        }
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(document);
    }
}
