package dev.schedlock.operator;

import java.net.InetSocketAddress;
import picocli.CommandLine;

/** {@code host:port} of a listen address; an IPv6 host in brackets ({@code [::1]:8080}). */
record HostPort(String host, int port) {

    InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** Picocli converter: a bad value becomes a usage error that names the flag. */
    static final class Converter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            String text = value.trim();
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not HOST:PORT: write e.g. 0.0.0.0:8080 or [::]:8080");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "': put an IPv6 address in brackets, e.g. [" + host + "]:8080");
            }
            if (host.isEmpty()) {
                throw new CommandLine.TypeConversionException("'" + value + "' has no host: write e.g. 0.0.0.0:8080");
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' has no numeric port: write e.g. 0.0.0.0:8080");
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.TypeConversionException("port " + port + " in '" + value + "' is out of range 0-65535");
            }
            return new HostPort(host, port);
        }
    }
}
