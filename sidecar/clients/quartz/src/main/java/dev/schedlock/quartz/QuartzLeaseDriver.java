package dev.schedlock.quartz;

import dev.schedlock.client.Permit;
import dev.schedlock.client.PermitKeeper;
import dev.schedlock.client.SchedlockClient;
import java.util.Optional;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.listeners.TriggerListenerSupport;

/**
 * Runs a Quartz {@link Scheduler} only while this pod holds the lease: {@code start()} when a
 * permit comes, {@code standby()} when it ends, from the sidecar's lease events.
 *
 * <pre>{@code
 * Scheduler scheduler = StdSchedulerFactory.getDefaultScheduler();   // not started
 * scheduler.scheduleJob(job, trigger);
 * QuartzLeaseDriver driver = QuartzLeaseDriver.pod(scheduler, SchedlockClient.fromEnvironment());
 * // ... on shutdown: driver.close(); scheduler.shutdown(true);
 * }</pre>
 *
 * <p>A {@link PermitKeeper} keeps the permit ({@link #pod}: {@code GET /v1/lease}; {@link #claims}:
 * one claim under a client name, returned once no job runs). The driver adds a trigger listener
 * that vetoes any job fired without a valid permit (a trigger Quartz had already taken when the
 * permit ended), and puts the fencing token into each job's context under {@link #FENCING_TOKEN}
 * (and the store id under {@link #STORE_ID}).
 *
 * <p>Guaranteed: no job of this scheduler starts without a valid permit. Not guaranteed: that a job
 * running when the permit ends stops ({@code standby()} does not interrupt jobs): pass the token to
 * what the job writes. With Quartz's JDBC job store in cluster mode the lease adds nothing; use
 * the RAM job store (or one non-clustered store per instance).
 */
public final class QuartzLeaseDriver implements AutoCloseable {

    /** Key of the fencing token ({@code Long}) in {@link JobExecutionContext#get}. */
    public static final String FENCING_TOKEN = "schedlock.fencingToken";
    /** Key of the store id ({@code String}) in {@link JobExecutionContext#get}. */
    public static final String STORE_ID = "schedlock.storeId";

    private static final System.Logger LOG = System.getLogger(QuartzLeaseDriver.class.getName());

    private final Scheduler scheduler;
    private final PermitKeeper keeper;

    private QuartzLeaseDriver(Scheduler scheduler, PermitKeeper.Builder keeper) throws SchedulerException {
        this.scheduler = scheduler;
        scheduler.standby();
        scheduler.getListenerManager().addTriggerListener(new PermitGate());
        this.keeper = keeper.busyWhile(this::jobsRunning).listener(new PermitKeeper.Listener() {
            @Override
            public void granted(Permit permit) {
                change(true);
            }

            @Override
            public void revoked() {
                change(false);
            }
        }).start();
    }

    /** Drives {@code scheduler} from {@code GET /v1/lease} permits (sidecar in the default pod mode). */
    public static QuartzLeaseDriver pod(Scheduler scheduler, SchedlockClient client) throws SchedulerException {
        return new QuartzLeaseDriver(scheduler, PermitKeeper.pod(client));
    }

    /** Drives {@code scheduler} from a claim as {@code clientName} (sidecar in {@code --permit-mode claims}). */
    public static QuartzLeaseDriver claims(Scheduler scheduler, SchedlockClient client, String clientName)
            throws SchedulerException {
        return new QuartzLeaseDriver(scheduler, PermitKeeper.claims(client, clientName));
    }

    /** The permit the scheduler runs under now, if any. */
    public Optional<Permit> permit() {
        return keeper.current();
    }

    private void change(boolean run) {
        try {
            if (run) {
                scheduler.start();
            } else {
                scheduler.standby();
            }
        } catch (SchedulerException e) {
            LOG.log(System.Logger.Level.ERROR, "Quartz " + (run ? "start()" : "standby()") + " failed", e);
        }
    }

    private boolean jobsRunning() {
        try {
            return !scheduler.getCurrentlyExecutingJobs().isEmpty();
        } catch (SchedulerException e) {
            return false;
        }
    }

    /** Vetoes a job fired without a valid permit; hands the token to the others. */
    private final class PermitGate extends TriggerListenerSupport {
        @Override
        public String getName() {
            return "schedlock-permit-gate";
        }

        @Override
        public boolean vetoJobExecution(Trigger trigger, JobExecutionContext context) {
            Optional<Permit> permit = keeper.current();
            if (permit.isEmpty()) {
                return true;
            }
            context.put(FENCING_TOKEN, permit.get().fencingToken());
            context.put(STORE_ID, permit.get().storeId());
            return false;
        }
    }

    /**
     * Puts the scheduler in standby and stops keeping the permit (a claim is returned). Call it
     * before {@code scheduler.shutdown(true)}, or after it: the scheduler stays the app's.
     */
    @Override
    public void close() {
        change(false);
        keeper.close();
    }
}
