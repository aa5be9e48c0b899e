package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.rules.PrintableText;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Step-down requests from outside the pod without a network path to the control API: the
 * operator writes {@code {"pod":"…","nonce":"…"}} into the pod's {@code schedlock.dev/step-down}
 * annotation, and the kubelet copies it into this file (a downward API volume). The file is read
 * once a second; a request that names this pod with a nonce not seen before asks the leader to
 * step down (drain, release, stand by), as {@code POST /v1/lease/release} does.
 *
 * <p>The request the file holds when the sidecar starts is taken as already handled: a restarted
 * sidecar must not step down again for an old request. A request naming another pod, or one that
 * arrives while this sidecar does not lead, is ignored. Content that is not such a request (not
 * JSON, a missing field, over {@link #MAX_BYTES}) is logged once and ignored; the lease is never
 * touched because of it.
 *
 * <p>Not guaranteed: how soon a request arrives. The kubelet refreshes downward API files on its
 * sync period (up to about a minute plus its cache's lifetime), so a step-down takes effect
 * seconds to about a minute after the annotation is written.
 */
public final class StepDownFile implements AutoCloseable {

    /** The pod annotation the operator writes and the kubelet copies into the file. */
    public static final String ANNOTATION = "schedlock.dev/step-down";
    /** A request is a few dozen bytes; anything much larger is not one. */
    static final int MAX_BYTES = 4096;
    static final Duration POLL = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(StepDownFile.class.getName());

    private final Path file;
    private final String pod;
    private final BooleanSupplier leading;
    private final Runnable stepDown;
    private final ObjectMapper json;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "schedlock-step-down-file");
        t.setDaemon(true);
        return t;
    });
    /** The content last looked at; null before the first read. Only the poller thread uses it. */
    private String lastContent;

    /**
     * @param pod      this pod's name: only requests that name it count
     * @param leading  whether this sidecar leads now
     * @param stepDown the planned step-down ({@code ElectorRunner.requestStepDown})
     */
    public StepDownFile(Path file, String pod, BooleanSupplier leading, Runnable stepDown, ObjectMapper json) {
        this.file = file.toAbsolutePath();
        this.pod = Objects.requireNonNull(pod, "pod");
        this.leading = leading;
        this.stepDown = stepDown;
        this.json = json;
    }

    /**
     * @throws IllegalArgumentException naming {@code --step-down-file} when the path is a directory
     *                                  or its directory does not exist
     */
    public static void requireUsable(Path file) {
        Path absolute = file.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("--step-down-file " + file + " is a directory: give the file of the"
                    + " downward API volume (for example /etc/schedlock/step-down/request)");
        }
        if (absolute.getParent() == null || !Files.isDirectory(absolute.getParent())) {
            throw new IllegalArgumentException("--step-down-file " + file + ": its directory does not exist (mount"
                    + " the downward API volume there, or leave the flag out)");
        }
    }

    /** Reads the current request as already handled, then polls. */
    public void start() {
        lastContent = read();
        poller.scheduleWithFixedDelay(this::check, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Path path() {
        return file;
    }

    /** One look at the file; package-private for tests that drive it without the timer. */
    void check() {
        String content = read();
        if (content.equals(lastContent)) {
            return;
        }
        lastContent = content;
        if (content.isBlank()) {
            return; // the annotation was removed
        }
        Request request = parse(content);
        if (request == null) {
            return;
        }
        if (!request.pod().equals(pod)) {
            LOG.log(Level.INFO, "step-down request {0} names pod {1}, not this pod {2}: ignored",
                    PrintableText.quote(request.nonce()), PrintableText.quote(request.pod()), pod);
            return;
        }
        if (!leading.getAsBoolean()) {
            LOG.log(Level.INFO, "step-down request {0}: this pod does not lead, nothing to do",
                    PrintableText.quote(request.nonce()));
            return;
        }
        LOG.log(Level.INFO, "step-down request {0} from {1}: stepping down", PrintableText.quote(request.nonce()), file);
        stepDown.run();
    }

    private record Request(String pod, String nonce) {
    }

    private Request parse(String content) {
        try {
            JsonNode node = json.readTree(content);
            JsonNode p = node == null ? null : node.get("pod");
            JsonNode n = node == null ? null : node.get("nonce");
            if (p != null && p.isTextual() && !p.asText().isEmpty() && n != null && n.isTextual()
                    && !n.asText().isEmpty()) {
                return new Request(p.asText(), n.asText());
            }
        } catch (IOException e) {
            // fall through: logged below without the parser's details
        }
        LOG.log(Level.WARNING, "step-down file {0} holds no request (want {1}), ignored: {2}", file,
                "{\"pod\":\"NAME\",\"nonce\":\"ID\"}", PrintableText.quote(content));
        return null;
    }

    /**
     * The file's text; empty when it is missing; a note in parentheses (logged by {@link #parse} as
     * no request) when it is too large or unreadable.
     */
    private String read() {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            return bytes.length > MAX_BYTES ? "(over " + MAX_BYTES + " bytes)"
                    : new String(bytes, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
