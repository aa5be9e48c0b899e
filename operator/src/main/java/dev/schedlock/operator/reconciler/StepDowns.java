package dev.schedlock.operator.reconciler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.StepDownStatus;
import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step-down requests: a new value of the SchedulerDeployment's annotation
 * {@code schedlock.dev/step-down-requested} is passed to the pod that leads, as the pod annotation
 * {@code schedlock.dev/step-down}; the kubelet copies it into that pod's step-down file, and its
 * sidecar steps down (drain, release, stand by) as on {@code POST /v1/lease/release}. Nobody needs
 * the store, the loopback control API or {@code pods/exec}.
 *
 * <p>{@link #decide} is the pure part; {@link #ask} writes the pod annotation.
 *
 * <p>Not guaranteed: how soon the sidecar sees the request (the kubelet refreshes downward API
 * files on its sync period, up to about a minute), nor that it acts at all (a sidecar image older
 * than the operator does not read the file; the request then stays {@code Requested}).
 */
public final class StepDowns {

    private static final Logger LOG = LoggerFactory.getLogger(StepDowns.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest request value kept: it is an id, not a message. */
    static final int MAX_NONCE = 128;

    /**
     * What to do about the request now.
     *
     * @param status     the status.stepDown to write (null: none was ever requested)
     * @param podToAsk   the pod whose annotation must carry the request, when it is new
     */
    public record Decision(StepDownStatus status, Optional<String> podToAsk) {
    }

    private final KubernetesClient client;

    public StepDowns(KubernetesClient client) {
        this.client = client;
    }

    /** The request on the resource: the annotation's value, trimmed; empty when absent or blank. */
    public static Optional<String> requested(SchedulerDeployment sd) {
        Map<String, String> annotations = sd.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(Labels.STEP_DOWN_REQUEST_ANNOTATION);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String trimmed = value.strip();
        return Optional.of(trimmed.length() > MAX_NONCE ? trimmed.substring(0, MAX_NONCE) : trimmed);
    }

    /**
     * A value not recorded yet is a new request: the leader (if any) is asked, once. A request in
     * progress is done once another holding leads: another pod, or the same pod with a new fencing
     * token (with one replica the pod that stepped down leads again, under a new token).
     */
    public static Decision decide(Optional<String> requested, StepDownStatus previous,
                                  Optional<LeaderPoll.PodReport> leader, Instant now) {
        if (requested.isPresent() && (previous == null || !requested.get().equals(previous.getNonce()))) {
            StepDownStatus next = new StepDownStatus();
            next.setNonce(requested.get());
            next.setRequestedAt(StatusUpdate.rfc3339(now));
            if (leader.isEmpty()) {
                next.setPhase(StepDownStatus.NO_LEADER);
                next.setMessage("no pod held the lease when the request came: nothing to step down");
                return new Decision(next, Optional.empty());
            }
            next.setPhase(StepDownStatus.REQUESTED);
            next.setPod(leader.get().pod());
            next.setFencingToken(leader.get().report().fencingToken());
            next.setMessage("asked pod " + leader.get().pod() + " (fencing token " + leader.get().report().fencingToken()
                    + ") to step down; its sidecar reads the request within about a minute");
            return new Decision(next, Optional.of(leader.get().pod()));
        }
        if (previous == null || !StepDownStatus.REQUESTED.equals(previous.getPhase()) || leader.isEmpty()) {
            return new Decision(previous, Optional.empty());
        }
        LeaderPoll.PodReport current = leader.get();
        if (current.pod().equals(previous.getPod())
                && Objects.equals(current.report().fencingToken(), previous.getFencingToken())) {
            return new Decision(previous, Optional.empty());
        }
        StepDownStatus done = copy(previous);
        done.setPhase(StepDownStatus.DONE);
        done.setCompletedAt(StatusUpdate.rfc3339(now));
        done.setMessage("pod " + previous.getPod() + " stepped down; pod " + current.pod() + " leads with fencing token "
                + current.report().fencingToken());
        return new Decision(done, Optional.empty());
    }

    /**
     * Writes the request into the pod's annotation {@code schedlock.dev/step-down}; only that
     * annotation changes (an edit is a JSON patch of the difference).
     */
    public void ask(String namespace, String pod, String nonce) {
        String value;
        try {
            Map<String, String> request = new LinkedHashMap<>();
            request.put("pod", pod);
            request.put("nonce", nonce);
            value = JSON.writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        client.pods().inNamespace(namespace).withName(pod).edit(p -> new PodBuilder(p).editMetadata()
                .addToAnnotations(Labels.POD_STEP_DOWN_ANNOTATION, value).endMetadata().build());
        LOG.info("step-down request {} passed to pod {}", nonce, pod);
    }

    private static StepDownStatus copy(StepDownStatus s) {
        StepDownStatus c = new StepDownStatus();
        c.setNonce(s.getNonce());
        c.setPhase(s.getPhase());
        c.setPod(s.getPod());
        c.setFencingToken(s.getFencingToken());
        c.setRequestedAt(s.getRequestedAt());
        c.setCompletedAt(s.getCompletedAt());
        c.setMessage(s.getMessage());
        return c;
    }
}
