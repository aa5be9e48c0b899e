package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.sidecar.lease.LeaseElector;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The lease as a file, for apps that cannot speak HTTP: the same fields as {@code GET /v1/lease}
 * plus {@code validUntil} in wall-clock milliseconds. Rewritten atomically (write aside, rename) on
 * every change and renewal, so a reader never sees half a file.
 *
 * <p>In pod mode the file carries a pod permit, so a release waits for it like for any other
 * permit. A reader must treat the file as valid only while {@code now < validUntil}.
 *
 * <p>The directory is shared with the main container, so anything in the pod may have planted a
 * link in it. A write never follows one: the temporary file is created new ({@code O_EXCL}, which
 * refuses an existing name, a link included) under a random name, and {@code rename(2)} replaces
 * whatever entry has the final name, a link itself rather than its target. Not guaranteed: safety
 * against a process that can replace the directory itself (or one of its parents) with a link;
 * the directory is the sidecar's configuration, typically the root of a volume mount, which a
 * container cannot replace.
 *
 * <p>A write that fails is logged once per distinct failure, and {@link #failure()} reports it
 * (the sidecar's {@code /readyz} shows it) until a write succeeds again. The lease is not touched.
 */
public final class SignalFile {

    private static final System.Logger LOG = System.getLogger(SignalFile.class.getName());

    private final Path file;
    private final LeaseElector elector;
    private final ObjectMapper json;
    private final LongSupplier wallClockMillis;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "schedlock-signal-file");
        t.setDaemon(true);
        return t;
    });
    /** The last write's failure, null after a success; written under "this", read by {@link #failure()}. */
    private volatile String failure;
    /** The failure last logged, null after a success; guarded by "this". */
    private String lastLogged;

    public SignalFile(Path file, LeaseElector elector, ObjectMapper json, LongSupplier wallClockMillis) {
        this.file = file.toAbsolutePath();
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
            writer.awaitTermination(2, TimeUnit.SECONDS);
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
            AtomicFile.replace(file, json.writeValueAsBytes(view));
            succeeded();
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    private void succeeded() {
        lastLogged = null;
        if (failure != null) {
            failure = null;
            LOG.log(Level.INFO, "signal file {0} written again", file);
        }
    }

    private void failed(Exception e) {
        String what = e.getClass().getSimpleName();
        // Without the file names of the exception: the temporary name is new on every attempt.
        String reason = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
        String detail = reason == null ? what : what + ": " + reason;
        // Once per distinct failure: a failing write is retried on every renewal.
        if (!detail.equals(lastLogged)) {
            lastLogged = detail;
            LOG.log(Level.WARNING, "could not write signal file {0}: {1}; readers of the file see no permit"
                    + " until a write succeeds (logged once until the failure changes)", file, detail);
        }
        failure = what;
    }

    /**
     * Why the last write failed, in a few words without the path (for {@code /readyz}); empty while
     * the file is current.
     */
    public Optional<String> failure() {
        String current = failure;
        return current == null ? Optional.empty() : Optional.of("signal file not written (" + current
                + "; see the log)");
    }

    public Path path() {
        return file;
    }
}
