package dev.schedlock.sidecar.process;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One claims-mode client of a sidecar, as an app process would be: it keeps the handle of its
 * last grant and sends it to renew ({@code POST /v1/claims} with {@code "handle"}) and to return
 * ({@code DELETE /v1/claims/NAME} with the {@code Schedlock-Claim-Handle} header) its claim. Two
 * claimants with the same client name are two processes that picked the same name.
 */
public final class Claimant {

    /** The header a DELETE carries the handle in (the sidecar's {@code ControlApi.HANDLE_HEADER}). */
    public static final String HANDLE_HEADER = "Schedlock-Claim-Handle";

    private final SidecarProcess sidecar;
    private final String client;
    private volatile String handle;

    public Claimant(SidecarProcess sidecar, String client) {
        this.sidecar = sidecar;
        this.client = client;
    }

    public String client() {
        return client;
    }

    /** The handle of the last grant, null before the first one and after the claim was returned. */
    public String handle() {
        return handle;
    }

    /** Claims, or renews with the handle of the last grant; keeps the handle of a new grant. */
    public SidecarProcess.Reply claim() throws IOException, InterruptedException {
        return keep(SidecarProcess.send(claimRequest(sidecar.controlUri("/v1/claims"), client, handle)));
    }

    /** {@link #claim()} without waiting for the answer. */
    public CompletableFuture<SidecarProcess.Reply> claimAsync(Duration timeout) {
        return SidecarProcess.sendAsync(claimRequest(sidecar.controlUri("/v1/claims"), client, handle).timeout(timeout))
                .thenApply(this::keep);
    }

    /** Returns the claim with the handle of the last grant; forgets the handle once the claim is gone (204, 404). */
    public SidecarProcess.Reply returnClaim() throws IOException, InterruptedException {
        SidecarProcess.Reply reply = SidecarProcess.send(returnRequest(sidecar.controlUri("/v1/claims/" + client), handle));
        if (reply.status() == 204 || reply.status() == 404) {
            handle = null;
        }
        return reply;
    }

    private SidecarProcess.Reply keep(SidecarProcess.Reply reply) {
        if (reply.status() == 200) {
            handle = reply.json().path("handle").asText();
        }
        return reply;
    }

    /** {@code POST /v1/claims} for {@code client}, with {@code handle} in the body unless it is null. */
    public static HttpRequest.Builder claimRequest(URI claims, String client, String handle) {
        String body = "{\"client\":\"" + client + "\"" + (handle == null ? "" : ",\"handle\":\"" + handle + "\"") + "}";
        return HttpRequest.newBuilder(claims).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** {@code DELETE} of {@code claim} ({@code .../v1/claims/NAME}), with {@code handle} in its header unless null. */
    public static HttpRequest.Builder returnRequest(URI claim, String handle) {
        HttpRequest.Builder request = HttpRequest.newBuilder(claim).DELETE();
        return handle == null ? request : request.header(HANDLE_HEADER, handle);
    }
}
