package dev.schedlock.shedlock;

import dev.schedlock.client.SchedlockClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * An ordinary Spring Boot application with ShedLock: two jobs every second, each under
 * {@code @SchedulerLock}. Only the {@link LockProvider} bean is schedlock's. Each run appends
 * {@code job,tick,token,storeId,startNanos,endNanos,instance} to the file {@code runs.file};
 * {@link System#nanoTime()} is one clock for every process of the host.
 *
 * <p>Started as a process of its own by {@link ShedLockProviderIT}:
 * {@code --sidecar.url=http://127.0.0.1:PORT --runs.file=FILE --instance=NAME}.
 */
@SpringBootApplication
@EnableScheduling
@EnableSchedulerLock(defaultLockAtMostFor = "10s")
public class ScheduledApp {

    /** Printed once the application context has started. */
    static final String STARTED = "application started";

    @Value("${runs.file}")
    private Path runs;

    @Value("${instance}")
    private String instance;

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(ScheduledApp.class);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.run(args);
        System.out.println(STARTED);
    }

    @Bean
    LockProvider lockProvider(@Value("${sidecar.url}") URI sidecar, @Value("${instance}") String name) {
        return SchedlockLockProvider.claims(SchedlockClient.create(sidecar), "app-" + name);
    }

    @Scheduled(cron = "* * * * * *")
    @SchedulerLock(name = "report", lockAtLeastFor = "200ms")
    public void report() {
        run("report");
    }

    @Scheduled(cron = "* * * * * *")
    @SchedulerLock(name = "cleanup")
    public void cleanup() {
        run("cleanup");
    }

    private void run(String job) {
        long start = System.nanoTime();
        long tick = System.currentTimeMillis() / 1000;
        long token = SchedlockLocks.currentToken();
        String storeId = SchedlockLocks.currentStoreId();
        // The job's work: a durable write, as a real job would do to what it protects.
        String line = String.join(",", job, Long.toString(tick), Long.toString(token), storeId,
                Long.toString(start), "%d", instance);
        try {
            Files.writeString(runs, String.format(line, System.nanoTime()) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
