package dev.schedlock.operator.api.v1alpha1;

/** Schema stand-in for an object whose fields the CRD does not list (see {@code spec.template}). */
final class UnvalidatedObject {

    private UnvalidatedObject() {
    }
}
