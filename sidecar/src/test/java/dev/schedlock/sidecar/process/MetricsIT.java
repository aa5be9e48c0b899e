package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code /metrics} of a real leading sidecar, checked by Prometheus' own {@code promtool check metrics}. */
class MetricsIT extends WithSidecars {

    @Test
    void shouldExposeMetricsThatPassPromtoolCheckMetrics() throws Exception {
        Path promtool = onPath("promtool").orElseGet(() -> fail("promtool is not on PATH: run"
                + " `apt-get install -y prometheus` (Debian's package ships it; .ci/install-tools does)"));
        SidecarProcess sidecar = sidecars.start("pod-a");
        sidecars.awaitLeader(List.of(sidecar));

        SidecarProcess.Reply scrape = sidecar.statusGet("/metrics");
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain; version=0.0.4"));
        assertThat(scrape.body()).contains("schedlock_lease_leader{lock=\"default\"} 1.0",
                "schedlock_lease_fencing_token{lock=\"default\"} 1.0");

        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = check.getOutputStream()) {
            in.write(scrape.body().getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        int exit = check.exitValue();
        System.out.println("promtool check metrics: exit " + exit + (said.isEmpty() ? "" : "\n" + said));

        // promtool exits 3 on any lint finding, so 0 means: parses and lints clean.
        assertThat(exit).as("promtool check metrics exit code; it said:\n" + said).isZero();
        assertThat(said).as("promtool findings").isEmpty();
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator)).map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable).findFirst();
    }
}
