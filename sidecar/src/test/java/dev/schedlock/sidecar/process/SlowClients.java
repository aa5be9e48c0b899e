package dev.schedlock.sidecar.process;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections that send a request one byte at a time and never finish it (a "slowloris"): each
 * holds one of the server's request threads for as long as the server waits for the rest. When the
 * server gives up on one and closes it, it is opened again at the next byte, so that {@code count}
 * stay open. One background thread sends a byte to each connection every {@code interval}.
 */
public final class SlowClients implements AutoCloseable {

    private static final byte[] REQUEST = ("GET /healthz HTTP/1.1\r\nHost: slow.example\r\nUser-Agent: one-byte-at-a-time"
            + "\r\nX-Padding: " + "x".repeat(4000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final InetSocketAddress address;
    private final Connection[] connections;
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slow-clients");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger opened = new AtomicInteger();

    private SlowClients(URI server, int count) {
        this.address = new InetSocketAddress(server.getHost(), server.getPort());
        this.connections = new Connection[count];
        for (int i = 0; i < count; i++) {
            connections[i] = new Connection();
        }
    }

    /** Opens {@code count} connections to the host and port of {@code server}, each sending its first byte now. */
    public static SlowClients open(URI server, int count, Duration interval) {
        SlowClients clients = new SlowClients(server, count);
        clients.sender.scheduleAtFixedRate(clients::sendOneByteEach, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return clients;
    }

    /** Connections opened so far, reopened ones included. */
    public int opened() {
        return opened.get();
    }

    /** Connections that have sent at least one byte and were not found closed since. */
    public int open() {
        int open = 0;
        for (Connection c : connections) {
            open += c.isOpen() ? 1 : 0;
        }
        return open;
    }

    private void sendOneByteEach() {
        for (Connection c : connections) {
            c.sendNextByte();
        }
    }

    @Override
    public void close() {
        sender.shutdownNow();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : connections) {
            c.close();
        }
    }

    /** One slow connection; touched only by the sender thread (and by close once it stopped). */
    private final class Connection {
        private volatile Socket socket;
        private int sent;

        boolean isOpen() {
            return socket != null;
        }

        void sendNextByte() {
            try {
                if (socket == null) {
                    Socket s = new Socket();
                    s.connect(address, 2000);
                    opened.incrementAndGet();
                    socket = s;
                    sent = 0;
                }
                socket.getOutputStream().write(REQUEST[sent % REQUEST.length]);
                sent++;
            } catch (IOException e) {
                // The server closed it (its request time limit): open another at the next byte.
                close();
            }
        }

        void close() {
            Socket s = socket;
            socket = null;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // gone already
                }
            }
        }
    }
}
