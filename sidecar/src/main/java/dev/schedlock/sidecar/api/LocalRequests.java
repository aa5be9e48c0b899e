package dev.schedlock.sidecar.api;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps web pages out of the control API. Listening on loopback keeps other hosts out, but a
 * browser on the same host (a developer's machine, a pod with a headless browser) can be made to
 * send requests to 127.0.0.1 by any page it opens:
 * <ul>
 *   <li><b>Cross-origin requests.</b> A page may send a "simple" request to any address without
 *       asking first: GET, HEAD, or a POST whose Content-Type is {@code text/plain}, a form or a
 *       multipart body. Anything else needs a CORS preflight ({@code OPTIONS}), which the control
 *       API never grants (it answers 405 without CORS headers). So a request that changes state
 *       must be one a page cannot send simply: every POST must say {@code Content-Type:
 *       application/json} ({@link #requireJson}); DELETE always needs a preflight, and the claim
 *       handle it carries is secret anyway. No GET changes state.</li>
 *   <li><b>DNS rebinding.</b> A page of {@code evil.example} whose name then resolves to
 *       127.0.0.1 is same-origin with itself and may send anything, but its requests say
 *       {@code Host: evil.example}. The control API answers only requests whose Host is a loopback
 *       name or address ({@link #requireLoopbackHost}).</li>
 * </ul>
 * The status server does not apply these rules: it is reached by pod IP or service name, and it
 * changes nothing.
 */
final class LocalRequests {

    private static final Pattern PORT = Pattern.compile(":[0-9]{1,5}");
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");
    /** An IPv6 literal (hex groups, an optional dotted IPv4 tail): parsed without any name lookup. */
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:]+(\\.[0-9.]+)?");

    private LocalRequests() {
    }

    /**
     * Refuses a request whose Host header names anything but this host's loopback: {@code
     * localhost}, {@code 127.x.x.x} or {@code [::1]}, each with or without a port. A request without
     * a Host header is let through: browsers always send one.
     *
     * @throws Refusal 421 for another host, 400 for several Host headers
     */
    static void requireLoopbackHost(HttpExchange exchange) throws Refusal {
        List<String> hosts = exchange.getRequestHeaders().get("Host");
        if (hosts == null || hosts.isEmpty()) {
            return;
        }
        if (hosts.size() > 1) {
            throw Refusal.badRequest("the request has " + hosts.size() + " Host headers; send one");
        }
        if (!isLoopbackHost(hosts.get(0))) {
            throw new Refusal(421, "MISDIRECTED_REQUEST", "Host '" + Exchanges.printable(hosts.get(0))
                    + "' is not a loopback name or address: the control API answers requests for localhost,"
                    + " 127.x.x.x or [::1] only (a web page that renamed itself to this address is refused)");
        }
    }

    /** Whether a Host header value names the loopback: {@code localhost}, {@code 127.x.x.x}, {@code [::1]}, any port. */
    static boolean isLoopbackHost(String value) {
        String host = value.trim();
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0 || !isPortOrNothing(host.substring(end + 1))) {
                return false;
            }
            return isIpv6Loopback(host.substring(1, end));
        }
        int colon = host.indexOf(':');
        if (colon >= 0) {
            if (!isPortOrNothing(host.substring(colon))) {
                return false;
            }
            host = host.substring(0, colon);
        }
        if (host.toLowerCase(Locale.ROOT).equals("localhost")) {
            return true;
        }
        Matcher ipv4 = IPV4_LOOPBACK.matcher(host);
        if (!ipv4.matches()) {
            return false;
        }
        for (int i = 1; i <= 3; i++) {
            if (Integer.parseInt(ipv4.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPortOrNothing(String text) {
        return text.isEmpty() || PORT.matcher(text).matches();
    }

    private static boolean isIpv6Loopback(String literal) {
        if (!literal.contains(":") || !IPV6_LITERAL.matcher(literal).matches()) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Refuses a POST without {@code Content-Type: application/json} (parameters such as a charset
     * are fine), whether or not it has a body: a web page cannot send that type to another origin
     * without a preflight.
     *
     * @throws Refusal 415
     */
    static void requireJson(HttpExchange exchange) throws Refusal {
        List<String> types = exchange.getRequestHeaders().get("Content-Type");
        if (types != null && types.size() == 1 && mediaType(types.get(0)).equals("application/json")) {
            return;
        }
        String given = types == null || types.isEmpty() ? "none" : Exchanges.printable(String.join(", ", types));
        throw new Refusal(415, "UNSUPPORTED_MEDIA_TYPE", exchange.getRequestMethod() + " "
                + exchange.getRequestURI().getPath() + " needs the header Content-Type: application/json (given: "
                + given + "), also without a body; e.g. curl -H 'Content-Type: application/json'. A web page cannot"
                + " send that header to this address, so the rule keeps pages from changing the lease");
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
