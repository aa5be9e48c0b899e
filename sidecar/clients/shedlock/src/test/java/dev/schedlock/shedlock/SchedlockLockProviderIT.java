package dev.schedlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.schedlock.client.process.LocalSidecars;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider's lock semantics in one process beside a real sidecar (claims mode): a name is
 * locked once at a time, lockAtLeastFor keeps it after an early unlock, lockAtMostFor frees it
 * from a lock never unlocked, the token is readable inside the section only, and nothing is
 * granted without the permit.
 */
class SchedlockLockProviderIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void shouldLockEachNameOnceWithinLockAtLeastAndLockAtMostForAndGiveTheTokenInsideOnly() throws Exception {
        try (LocalSidecars sidecars = new LocalSidecars(dir)) {
            SidecarProcess sidecar = sidecars.start("pod-a", 0, "--permit-mode", "claims");
            try (SchedlockLockProvider provider = SchedlockLockProvider.claims(LocalSidecars.client(sidecar), "app")) {
                Optional<SimpleLock> report = await().pollInSameThread().atMost(Duration.ofSeconds(30))
                        .until(() -> provider.lock(config("report", "5s", "0s")), Optional::isPresent);
                long token = SchedlockLocks.currentToken();
                assertThat(token).isPositive();
                assertThat(SchedlockLocks.currentStoreId()).matches("[0-9a-f-]{36}");
                assertThat(SchedlockLocks.isPermitValid()).isTrue();
                assertThat(provider.lock(config("report", "5s", "0s"))).as("the same name while held").isEmpty();
                Optional<SimpleLock> cleanup = provider.lock(config("cleanup", "5s", "0s"));
                assertThat(cleanup).as("another name at the same time, under the same claim").isPresent();
                cleanup.get().unlock();
                assertThat(SchedlockLocks.currentToken()).as("the outer section's token again").isEqualTo(token);
                report.get().unlock();
                assertThatThrownBy(SchedlockLocks::currentToken).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("@SchedulerLock");
                assertThat(provider.lock(config("report", "5s", "0s"))).as("free after the unlock")
                        .hasValueSatisfying(SimpleLock::unlock);

                long start = System.nanoTime();
                provider.lock(config("atLeast", "5s", "1s")).orElseThrow().unlock();
                assertThat(provider.lock(config("atLeast", "5s", "1s"))).as("kept for lockAtLeastFor").isEmpty();
                await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> provider.lock(config("atLeast", "5s", "1s"))
                        .map(l -> { l.unlock(); return true; }).orElse(false));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));

                SimpleLock hung = provider.lock(config("hung", "1s", "0s")).orElseThrow();
                assertThat(provider.lock(config("hung", "1s", "0s"))).isEmpty();
                await("lockAtMostFor frees the name").pollInSameThread().atMost(Duration.ofSeconds(10))
                        .until(() -> provider.lock(config("hung", "1s", "0s")).isPresent());
                hung.unlock();

                sidecar.kill9();
                await("no lock without a permit").pollInSameThread().atMost(Duration.ofSeconds(5))
                        .until(() -> provider.lock(config("after", "5s", "0s")).isEmpty());
            }
        }
    }

    private static LockConfiguration config(String name, String atMost, String atLeast) {
        return new LockConfiguration(Instant.now(), name, Duration.parse("PT" + atMost.toUpperCase()),
                Duration.parse("PT" + atLeast.toUpperCase()));
    }
}
