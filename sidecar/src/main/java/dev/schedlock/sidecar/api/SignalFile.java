package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.sidecar.lease.LeaseElector;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.LongSupplier;

/**
 * The lease as a file, for apps that cannot speak HTTP: the same fields as {@code GET /v1/lease}
 * plus {@code validUntil} in wall-clock milliseconds. Rewritten atomically (write aside, rename) on
 * every change and renewal, so a reader never sees half a file.
 *
 * <p>In pod mode the file carries a pod permit, so a release waits for it like for any other
 * permit. A reader must treat the file as valid only while {@code now < validUntil}.
 */
public final class SignalFile {

    private static final System.Logger LOG = System.getLogger(SignalFile.class.getName());

    private final Path file;
    private final Path temp;
    private final LeaseElector elector;
    private final ObjectMapper json;
    private final LongSupplier wallClockMillis;
    private final java.util.concurrent.atomic.AtomicBoolean pending = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "schedlock-signal-file");
        t.setDaemon(true);
        return t;
    });

    public SignalFile(Path file, LeaseElector elector, ObjectMapper json, LongSupplier wallClockMillis) {
        this.file = file.toAbsolutePath();
        this.temp = this.file.resolveSibling("." + this.file.getFileName() + ".tmp");
        this.elector = elector;
        this.json = json;
        this.wallClockMillis = wallClockMillis;
    }

    /** Writes the current state and follows every change and renewal from now on. */
    public void start() {
        // The elector calls listeners under its lock; the file is written on a thread of its own.
        elector.onChange(s -> requestWrite());
        elector.onRenewal(s -> requestWrite());
        requestWrite();
    }

    private void requestWrite() {
        if (pending.compareAndSet(false, true)) {
            writer.execute(() -> {
                pending.set(false);
                write();
            });
        }
    }

    /** Stops following the elector; a final state is written first. */
    public void close() {
        writer.execute(this::write);
        writer.shutdown();
        try {
            writer.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes the current state now (on the caller's thread). */
    public synchronized void write() {
        // The wall clock is read BEFORE the permit is taken: a pause in between then shortens
        // validUntil instead of pushing it past the permit's end.
        long wallBefore = wallClockMillis.getAsLong();
        LeaseElector.Query answer = elector.queryForSignalFile();
        long validFor = answer.permit().validForMillis();
        LeaseView view = LeaseView.of(answer.snapshot(), answer.nowNanos(), validFor)
                .withValidUntil(validFor > 0 ? wallBefore + validFor : 0);
        try {
            Files.createDirectories(file.getParent());
            Files.write(temp, json.writeValueAsBytes(view));
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not write signal file {0}: {1}", file, e.toString());
        }
    }

    public Path path() {
        return file;
    }
}
