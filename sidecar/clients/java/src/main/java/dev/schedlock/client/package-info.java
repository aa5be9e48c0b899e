/**
 * Java client of the schedlock sidecar's control API ({@code docs/api.md}).
 *
 * <p>{@link dev.schedlock.client.SchedlockClient} makes the calls: a permit ({@code GET /v1/lease}),
 * claims (claim, renew, return), a long-poll, server-sent events and the planned step-down.
 * {@link dev.schedlock.client.LeaseWatch} follows the lease's changes by either transport, and
 * {@link dev.schedlock.client.PermitKeeper} keeps a permit for as long as the pod leads and tells
 * a listener when it is gained and when it ends (the ShedLock provider and the Quartz driver are
 * built on it).
 *
 * <h2>What is guaranteed</h2>
 * <ul>
 *   <li>A {@link dev.schedlock.client.Permit}'s end is counted from the moment its request was sent,
 *       on this process's monotonic clock ({@link java.lang.System#nanoTime()}), never from the
 *       moment the answer arrived. While {@link dev.schedlock.client.Permit#isValid()} is true, no
 *       other process anywhere holds a valid permit for the same lock (under the assumptions of
 *       {@code docs/lease-protocol.md}: one store clock, bounded clock rates).</li>
 *   <li>No answer is no permit: every failure to get an answer (refused connection, timeout, a
 *       sidecar that hangs) is a {@link dev.schedlock.client.SidecarUnreachableException}, never a
 *       permit from an earlier answer.</li>
 *   <li>Fencing tokens rise with every new holding and are comparable only within one
 *       {@link dev.schedlock.client.Permit#storeId() store id}.</li>
 * </ul>
 *
 * <h2>What is not guaranteed</h2>
 * <ul>
 *   <li>Nothing stops code that keeps running after its permit ended (a GC pause, a slow job): the
 *       client cannot interrupt it. Check {@link dev.schedlock.client.Permit#isValid()} before each
 *       step, and pass the fencing token to what the job writes so that a stale writer is rejected
 *       there.</li>
 *   <li>Events and long-poll answers are notifications, never permits: they may arrive late, and
 *       versions may be skipped.</li>
 *   <li>A POST or DELETE is sent at most twice (a GET at most twice by the JDK), and a second time
 *       only in the one case described in
 *       {@link dev.schedlock.client.SchedlockClient} (an answer lost on a reused connection).</li>
 * </ul>
 */
package dev.schedlock.client;
