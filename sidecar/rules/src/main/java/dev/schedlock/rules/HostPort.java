package dev.schedlock.rules;

import java.net.InetSocketAddress;

/**
 * {@code host:port} of a listen address, as the sidecar's and the operator's flags take it; an
 * IPv6 host goes in brackets ({@code [::1]:8080}); port 0 picks a free port.
 */
public record HostPort(String host, int port) {

    /**
     * Parses {@code host:port}.
     *
     * @param example a valid value to show in the message, e.g. {@code 127.0.0.1:8470}
     * @throws IllegalArgumentException that quotes the value and shows {@code example}
     */
    public static HostPort parse(String value, String example) {
        String text = value.trim();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(PrintableText.quote(value) + " is not host:port: write e.g. " + example);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(PrintableText.quote(value) + ": put an IPv6 address in brackets, e.g. ["
                    + host + "]:" + text.substring(colon + 1));
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException(PrintableText.quote(value) + " has no host: write e.g. " + example);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PrintableText.quote(value) + " has no numeric port: write e.g. " + example);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " in " + PrintableText.quote(value)
                    + " is out of range 0-65535");
        }
        return new HostPort(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port} again, with an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
