package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The mock API server's dispatcher, answering a patch it cannot apply as the real API server does:
 * 422 Unprocessable Entity. Fabric8's CRUD dispatcher throws instead (a JSON patch that replaces a
 * field the stored object lacks: the operator patches its status from a cached copy that an
 * earlier patch already changed), the exception escapes the mock server's request handler, and
 * the request is never answered: the client waits for its timeout (10 s) and the informers of the
 * operator stopped following the resource, so every retry failed the same way and the status never
 * changed again. A real API server answers 422 at once and the operator retries from its updated
 * cache.
 */
final class UnprocessablePatches extends Dispatcher implements Resetable, CustomResourceAware {

    private final KubernetesMixedDispatcher delegate;

    UnprocessablePatches(KubernetesMixedDispatcher delegate) {
        this.delegate = delegate;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        try {
            return delegate.dispatch(request);
        } catch (RuntimeException e) {
            if (!"PATCH".equals(request.getMethod())) {
                throw e;
            }
            String message = String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"");
            return new MockResponse().setResponseCode(422).setHeader("Content-Type", "application/json")
                    .setBody("{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"Invalid\","
                            + "\"code\":422,\"message\":\"the patch cannot be applied: " + message + "\"}");
        }
    }

    @Override
    public void reset() {
        delegate.reset();
    }

    @Override
    public void expectCustomResource(CustomResourceDefinitionContext context) {
        delegate.expectCustomResource(context);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }
}
