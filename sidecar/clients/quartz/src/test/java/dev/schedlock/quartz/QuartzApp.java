package dev.schedlock.quartz;

import dev.schedlock.client.SchedlockClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * An app with a Quartz scheduler (RAM job store) and one job every 200 ms, driven by
 * {@link QuartzLeaseDriver}. Each run appends {@code instance,token,startNanos,endNanos} to a file.
 * Started as a process of its own by {@link QuartzLeaseDriverIT}: {@code SIDECAR_URL RUNS_FILE INSTANCE}.
 */
public final class QuartzApp {

    /** Printed once the scheduler is set up. */
    static final String STARTED = "scheduler ready";

    private QuartzApp() {
    }

    /** The job: one durable write carrying the fencing token. */
    public static final class RecordRun implements Job {
        @Override
        public void execute(JobExecutionContext context) throws JobExecutionException {
            long start = System.nanoTime();
            long token = (Long) context.get(QuartzLeaseDriver.FENCING_TOKEN);
            String instance = context.getMergedJobDataMap().getString("instance");
            Path runs = Path.of(context.getMergedJobDataMap().getString("runs"));
            try {
                Files.writeString(runs, instance + "," + token + "," + start + ",%d\n".formatted(System.nanoTime()),
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
            } catch (IOException e) {
                throw new JobExecutionException(e);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Properties quartz = new Properties();
        quartz.setProperty("org.quartz.scheduler.instanceName", "app-" + args[2]);
        quartz.setProperty("org.quartz.threadPool.threadCount", "2");
        quartz.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        Scheduler scheduler = new StdSchedulerFactory(quartz).getScheduler();
        scheduler.scheduleJob(JobBuilder.newJob(RecordRun.class).withIdentity("record")
                        .usingJobData("runs", args[1]).usingJobData("instance", args[2]).build(),
                TriggerBuilder.newTrigger().startNow().withSchedule(SimpleScheduleBuilder.simpleSchedule().repeatForever()
                        .withIntervalInMilliseconds(200).withMisfireHandlingInstructionNextWithRemainingCount())
                        .build());
        QuartzLeaseDriver.pod(scheduler, SchedlockClient.create(URI.create(args[0])));
        System.out.println(STARTED + ", in standby until the lease comes");
    }
}
