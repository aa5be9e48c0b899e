package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers for the JDK HTTP server: JSON answers, bounded bodies, query strings. */
final class Exchanges {

    /** Largest request body accepted; a claim is a few dozen bytes. */
    static final int MAX_BODY_BYTES = 4096;
    /** How much of a refused body is read and dropped so that the client gets its 413; beyond, a reset. */
    static final long MAX_DISCARD_BYTES = 16L << 20;

    private Exchanges() {
    }

    static void sendJson(HttpExchange exchange, int status, Object body, ObjectMapper json) throws IOException {
        send(exchange, status, "application/json", json.writeValueAsBytes(body));
    }

    static void sendText(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        send(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends a complete answer. To a HEAD request it sends the same headers, with the length the
     * body would have, and no body: the JDK server logs a warning for every HEAD answer that
     * passes a length to {@code sendResponseHeaders}, so the length goes into the header instead.
     */
    private static void send(HttpExchange exchange, int status, String contentType, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void sendRefusal(HttpExchange exchange, Refusal refusal, ObjectMapper json) throws IOException {
        sendError(exchange, refusal.status(), refusal.error(), refusal.getMessage(), json);
    }

    static void sendError(HttpExchange exchange, int status, String error, String message, ObjectMapper json)
            throws IOException {
        sendJson(exchange, status, new Answers.Error(error, message), json);
    }

    static void sendEmpty(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /**
     * Reads the body, refusing more than {@link #MAX_BODY_BYTES}.
     *
     * @throws Refusal 413 when the body is too large, 400 when its Content-Length is not a number
     *                 (the JDK server refuses most of those itself, with a 400 of its own)
     */
    static byte[] readBody(HttpExchange exchange) throws IOException, Refusal {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw Refusal.badRequest("Content-Length '" + printable(length) + "' is not a number of bytes");
            }
            if (declared > MAX_BODY_BYTES) {
                throw tooLarge();
            }
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        byte[] chunk = new byte[1024];
        InputStream in = exchange.getRequestBody();
        int n;
        while ((n = in.read(chunk)) > 0) {
            if (buffer.size() + n > MAX_BODY_BYTES) {
                throw tooLarge();
            }
            buffer.write(chunk, 0, n);
        }
        return buffer.toByteArray();
    }

    private static Refusal tooLarge() {
        return new Refusal(413, "BODY_TOO_LARGE", "request body over " + MAX_BODY_BYTES + " bytes");
    }

    /** At most 40 characters of a header value, with anything but printable ASCII replaced, for a message. */
    static String printable(String value) {
        String cut = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /**
     * Reads and drops what is left of the request body of a refused request, up to
     * {@link #MAX_DISCARD_BYTES}. Closing a connection with unread request bytes makes the kernel
     * reset it, and the reset can destroy the answer before the client has read it: the client then
     * sees "connection reset", not the 4xx.
     */
    static void discardBody(HttpExchange exchange) throws IOException {
        discard(exchange.getRequestBody());
    }

    private static void discard(InputStream in) throws IOException {
        byte[] sink = new byte[8192];
        long left = MAX_DISCARD_BYTES;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
            left -= n;
        }
    }

    static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }
}
