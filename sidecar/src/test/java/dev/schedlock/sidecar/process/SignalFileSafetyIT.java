package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The signal file's directory is shared with the main container: whatever runs in the pod can
 * plant links there. The sidecar must never write through one, and must say so in
 * {@code /readyz} when it cannot write the file at all, without giving up the lease.
 */
class SignalFileSafetyIT extends WithSidecars {

    @Test
    void shouldNeverWriteThroughALinkPlantedInTheSignalDirectory() throws Exception {
        Path victimDb = dir.resolve("victim.db");
        createDatabaseWithRows(victimDb, 500);
        byte[] victimDbBefore = Files.readAllBytes(victimDb);
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "password=S3cret\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path signal = shared.resolve("lease.json");
        Path oldTempName = shared.resolve(".lease.json.tmp");
        Files.createSymbolicLink(oldTempName, victimDb);
        Files.createSymbolicLink(signal, secret);

        SidecarProcess sidecar = sidecars.start("pod-a", "--signal-file", signal.toString());
        Sidecars.awaitLeading(sidecar);
        JsonNode first = awaitRegularSignalFile(signal, 0);
        assertThat(first.path("leader").asBoolean()).as("signal file: %s", first).isTrue();

        // Planted again while the sidecar runs, at the final name: the next rename replaces the link.
        plantLinkAt(signal, secret);
        JsonNode later = awaitRegularSignalFile(signal, first.path("validUntil").asLong());
        assertThat(later.path("leader").asBoolean()).isTrue();
        assertThat(later.path("fencingToken").asLong()).as("token after the planted links").isEqualTo(1);
        assertThat(sidecar.lease().path("leader").asBoolean()).as("still leading").isTrue();
        assertThat(sidecars.warnings()).as("warnings while writing beside planted links").isEmpty();

        sidecar.sigterm();
        assertThat(sidecar.awaitExit(Sidecars.PATIENCE)).isZero();
        assertThat(Files.readAllBytes(victimDb)).as("the database the old temp name pointed at").isEqualTo(victimDbBefore);
        assertThat(Files.readString(secret)).as("the 0600 file the final name pointed at").isEqualTo("password=S3cret\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(Files.readSymbolicLink(oldTempName)).as("the planted link is left alone").isEqualTo(victimDb);
        assertThat(Files.isSymbolicLink(signal)).as("the signal file is a file of its own").isFalse();
        assertThat(read(signal).path("leader").asBoolean()).as("final state").isFalse();
        assertThat(entries(shared)).as("no temporary file left behind").containsExactly(".lease.json.tmp", "lease.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(signal))).isEqualTo("rw-r--r--");
    }

    @Test
    void shouldReportAnUnwritableSignalFileInReadyzAndKeepTheLease() throws Exception {
        Path shared = dir.resolve("shared");
        Path signal = shared.resolve("lease.json");
        SidecarProcess sidecar = sidecars.start("pod-a", "--signal-file", signal.toString());
        Sidecars.awaitLeading(sidecar);
        awaitRegularSignalFile(signal, 0);

        // A directory at the file's name: rename(2) cannot replace it, whoever the sidecar runs as.
        replaceWithDirectory(signal);
        await("/readyz reports the signal file").atMost(Sidecars.PATIENCE)
                .until(() -> sidecar.statusGet("/readyz"), r -> r.status() == 503);
        String readyz = sidecar.statusGet("/readyz").body();
        assertThat(readyz).startsWith("not ready: leader, but signal file not written").doesNotContain(dir.toString());

        // Renewals go on (every 500 ms), each failing to write the file: the lease stays, one warning.
        await("the lease stays while the file cannot be written").during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10)).until(() -> sidecar.lease().path("leader").asBoolean()
                        && sidecar.statusGet("/readyz").status() == 503);
        assertThat(sidecar.lease().path("fencingToken").asLong()).isEqualTo(1);
        assertThat(sidecar.stderrLines().stream().filter(l -> l.contains("could not write signal file")))
                .as("warnings about the same failure").singleElement().asString()
                .contains(" WARN ", signal.toString());

        await("no temporary file left behind by the failed writes").atMost(Sidecars.PATIENCE)
                .until(() -> entries(shared), List.of("lease.json")::equals);

        deleteDirectory(signal);
        await("ready again once the file can be written").atMost(Sidecars.PATIENCE)
                .until(() -> sidecar.statusGet("/readyz").body(), "ready: leader\n"::equals);
        assertThat(read(signal).path("leader").asBoolean()).isTrue();
        assertThat(sidecar.stderrLines()).anyMatch(l -> l.contains("signal file " + signal + " written again"));
    }

    /** Waits until {@code signal} is a regular file whose validUntil is past {@code after}. */
    private static JsonNode awaitRegularSignalFile(Path signal, long after) {
        return await("signal file written past " + after).atMost(Sidecars.PATIENCE)
                .until(() -> Files.isRegularFile(signal, LinkOption.NOFOLLOW_LINKS) ? read(signal) : null,
                        n -> n != null && n.path("validUntil").asLong() > after);
    }

    /** Replaces the file by a link, racing the sidecar's renames until the link is in place. */
    private static void plantLinkAt(Path signal, Path target) throws IOException {
        while (true) {
            Files.deleteIfExists(signal);
            try {
                Files.createSymbolicLink(signal, target);
                return;
            } catch (FileAlreadyExistsException renamedMeanwhile) {
                // the sidecar renamed a new file into place between the two calls: again
            }
        }
    }

    private static void replaceWithDirectory(Path signal) throws IOException {
        while (true) {
            Files.deleteIfExists(signal);
            try {
                Files.createDirectory(signal);
                Files.writeString(signal.resolve("keep"), "x");
                return;
            } catch (FileAlreadyExistsException renamedMeanwhile) {
                // again
            }
        }
    }

    private static void deleteDirectory(Path directory) throws IOException {
        Files.delete(directory.resolve("keep"));
        Files.delete(directory);
    }

    private static void createDatabaseWithRows(Path file, int rows) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE history (id INTEGER PRIMARY KEY, what TEXT)");
            for (int i = 0; i < rows; i++) {
                st.execute("INSERT INTO history (what) VALUES ('transition " + i + "')");
            }
        }
    }

    private static JsonNode read(Path file) {
        try {
            return SidecarProcess.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> entries(Path directory) throws IOException {
        try (Stream<Path> list = Files.list(directory)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
