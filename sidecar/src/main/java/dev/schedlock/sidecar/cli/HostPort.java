package dev.schedlock.sidecar.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine;

/** {@code host:port} for listen addresses; port 0 picks a free port (logged at start). */
public record HostPort(String host, int port) {

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** Picocli converter. */
    public static final class Converter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            String text = value.trim();
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not host:port: write e.g. 127.0.0.1:8470");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' has no numeric port: write e.g. 127.0.0.1:8470");
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.TypeConversionException("port " + port + " in '" + value + "' is out of range 0-65535");
            }
            return new HostPort(host, port);
        }
    }
}
