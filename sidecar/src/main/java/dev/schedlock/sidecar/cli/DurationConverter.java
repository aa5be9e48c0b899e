package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.lease.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Picocli converter for {@link Durations} ({@code 500ms}, {@code 10s}, {@code 2m}, …). */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
