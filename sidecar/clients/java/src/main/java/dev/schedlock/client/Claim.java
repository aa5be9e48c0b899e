package dev.schedlock.client;

/**
 * A granted claim ({@code --permit-mode claims}): the pod's one permit, held by the client name
 * until it expires, is returned or is not renewed.
 *
 * <p>The handle is a secret that proves the claim is this process's: only it can renew or return
 * the claim. {@link #toString()} leaves it out, so that a claim can be logged.
 *
 * @param client the client name the claim was made under
 * @param handle the claim's secret handle
 * @param permit the permit of this grant
 * @param resent whether the request was sent twice (see {@link SchedlockClient})
 */
public record Claim(String client, String handle, Permit permit, boolean resent) {

    @Override
    public String toString() {
        return "Claim[client=" + client + ", fencingToken=" + permit.fencingToken() + ", validForMillis="
                + permit.validForMillis() + ", handle=(secret)]";
    }
}
