package dev.schedlock.sidecar.bench;

import dev.schedlock.rules.Durations;
import java.time.Duration;
import java.util.Optional;

/** Positional benchmark arguments, each with its default when left out. */
final class BenchArgs {

    private final String[] values;

    BenchArgs(String[] values) {
        this.values = values.clone();
    }

    Optional<String> optional(int index) {
        return index < values.length ? Optional.of(values[index]) : Optional.empty();
    }

    String text(int index, String fallback) {
        return optional(index).orElse(fallback);
    }

    int count(int index, int fallback) {
        return optional(index).map(Integer::parseInt).orElse(fallback);
    }

    /** A duration as the sidecar's flags write it: {@code 500ms}, {@code 10s}. */
    Duration duration(int index, Duration fallback) {
        return optional(index).map(Durations::parse).orElse(fallback);
    }
}
