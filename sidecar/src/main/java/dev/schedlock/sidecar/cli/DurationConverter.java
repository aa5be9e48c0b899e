package dev.schedlock.sidecar.cli;

import dev.schedlock.rules.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Picocli converter for {@link Durations} ({@code 500ms}, {@code 10s}, {@code 1m30s}, {@code 7d}, …);
 * spaces around the value (an environment variable read from a file) are ignored.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value.strip());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
