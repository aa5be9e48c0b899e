package dev.schedlock.sidecar.process;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the process tests that start sidecars per test: a fresh directory with the store file
 * and the logs (kept when the test fails), and no process left behind afterwards.
 */
abstract class WithSidecars {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    Sidecars sidecars;

    @BeforeEach
    void createSidecars() {
        sidecars = new Sidecars(dir);
    }

    @AfterEach
    void killSidecars() {
        sidecars.close();
    }
}
