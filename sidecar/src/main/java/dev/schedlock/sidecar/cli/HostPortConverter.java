package dev.schedlock.sidecar.cli;

import dev.schedlock.rules.HostPort;
import picocli.CommandLine;

/** Picocli converter for {@link HostPort}: a bad value becomes a usage error that names the flag. */
public final class HostPortConverter implements CommandLine.ITypeConverter<HostPort> {

    @Override
    public HostPort convert(String value) {
        try {
            return HostPort.parse(value, "127.0.0.1:8470");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
