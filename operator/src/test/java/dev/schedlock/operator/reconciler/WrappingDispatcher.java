package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.http.Dispatcher;

/**
 * A dispatcher in front of the mock server's own: answers some requests itself and hands the rest,
 * and the mock server's reset, custom-resource and shutdown calls, to the one behind it.
 */
abstract class WrappingDispatcher extends Dispatcher implements Resetable, CustomResourceAware {

    /** The dispatcher behind; it must implement {@link Resetable} and {@link CustomResourceAware}. */
    final Dispatcher delegate;

    WrappingDispatcher(Dispatcher delegate) {
        this.delegate = delegate;
    }

    @Override
    public void reset() {
        ((Resetable) delegate).reset();
    }

    @Override
    public void expectCustomResource(CustomResourceDefinitionContext context) {
        ((CustomResourceAware) delegate).expectCustomResource(context);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }
}
