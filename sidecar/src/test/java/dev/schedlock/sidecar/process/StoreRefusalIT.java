package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@code --store} that can never be a lease store is refused at start with exit 2 and one line
 * that says why, without repeating a secret and without creating anything beside it.
 */
class StoreRefusalIT extends WithSidecars {

    @Test
    void shouldRefuseSqliteUrlOptionsWithoutRepeatingThem() throws Exception {
        Path file = dir.resolve("x.db");
        SidecarProcess.Finished run = refuse(runArgs("jdbc:sqlite:" + file + "?password=S3cret"));

        assertThat(run.err()).contains("--store", "no options");
        assertThat(run.out() + run.err()).doesNotContain("S3cret").doesNotContain("password=");
        assertThat(file).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/null", "/dev/full"})
    void shouldRefuseADeviceWithoutCreatingAJournalBesideIt(String device) throws Exception {
        Path journal = Path.of(device + "-journal");
        assertThat(journal).as("left by an earlier run; remove it").doesNotExist();
        try {
            SidecarProcess.Finished run = refuse(runArgs("jdbc:sqlite:" + device));

            assertThat(run.err()).contains(device + " is a character device, not a database file", "--store");
            assertThat(journal).doesNotExist();
        } finally {
            Files.deleteIfExists(journal); // only ever there if the refusal failed
        }
    }

    @Test
    void shouldRefuseAFifo() throws Exception {
        Path fifo = dir.resolve("lease.db");
        mkfifo(fifo);

        SidecarProcess.Finished run = refuse(runArgs("jdbc:sqlite:" + fifo));

        assertThat(run.err()).contains(fifo + " is a FIFO (named pipe), not a database file");
        assertThat(entries()).as("nothing created beside the FIFO").containsOnly("lease.db", "refused.stdout",
                "refused.stderr");
    }

    /** Links are followed: a link to a device is a device; a link to a regular file is fine (volume mounts). */
    @Test
    void shouldRefuseALinkToADeviceButAcceptALinkToAFile() throws Exception {
        Path toDevice = Files.createSymbolicLink(dir.resolve("device.db"), Path.of("/dev/null"));
        Path journal = Path.of("/dev/null-journal");
        assertThat(journal).as("left by an earlier run; remove it").doesNotExist();
        try {
            SidecarProcess.Finished refused = refuse(runArgs("jdbc:sqlite:" + toDevice));
            assertThat(refused.err()).contains(toDevice + " is a character device");
            assertThat(journal).doesNotExist();
        } finally {
            Files.deleteIfExists(journal); // only ever there if the refusal failed
        }

        Path real = Files.createDirectories(dir.resolve("volume")).resolve("lease.db");
        Path toFile = Files.createSymbolicLink(dir.resolve("lease.db"), real);
        SidecarProcess.Finished migrated = SidecarProcess.run("migrate", dir,
                List.of("migrate", "--store", "jdbc:sqlite:" + toFile));
        assertThat(migrated.exitCode()).as(migrated.toString()).isZero();
        assertThat(Files.isSymbolicLink(toFile)).isTrue();
        assertThat(new StoreFile(real).migrations()).as("the schema, in the file the link points at").isNotEmpty();
    }

    private static List<String> runArgs(String storeUrl) {
        List<String> args = new ArrayList<>(List.of("run", "--store", storeUrl, "--pod-name", "pod-a",
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        args.addAll(Sidecars.FAST_TIMING);
        return args;
    }

    /** Exit 2 at start, with one line starting "schedlock: " and no warning or stack trace. */
    private SidecarProcess.Finished refuse(List<String> args) throws Exception {
        SidecarProcess.Finished run = SidecarProcess.run("refused", dir, args);
        System.out.println("refused start: " + run.err());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.stderr()).as("error lines in " + run).filteredOn(l -> l.startsWith("schedlock: ")).hasSize(1);
        assertThat(run.stderr()).as("warnings or traces in " + run)
                .noneMatch(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.startsWith("\tat "));
        return run;
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("mkfifo (coreutils; apt-get install coreutils): " + said).isZero();
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }
}
