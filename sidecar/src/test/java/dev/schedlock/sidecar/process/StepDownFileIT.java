package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code --step-down-file}: the downward API file of the pod annotation that the operator writes.
 * The test writes the file as the kubelet would. Only a new request naming this pod steps the
 * leader down; an old one, another pod's and a malformed one change nothing.
 */
class StepDownFileIT extends WithSidecars {

    @Test
    void shouldStepDownOnlyOnANewRequestThatNamesThisPod() throws Exception {
        Path fileA = Files.createDirectories(dir.resolve("pod-a-annotations")).resolve("step-down");
        Files.writeString(fileA, "{\"pod\":\"pod-a\",\"nonce\":\"before-start\"}");
        SidecarProcess a = sidecars.start("pod-a", "--step-down-file", fileA.toString());
        Sidecars.awaitLeading(a);
        SidecarProcess b = sidecars.start("pod-b");

        write(fileA, "{\"pod\":\"pod-b\",\"nonce\":\"n1\"}");
        awaitLog(a, "step-down request 'n1' names pod 'pod-b', not this pod pod-a: ignored");
        write(fileA, "{\"pod\": 7}");
        awaitLog(a, "holds no request");
        write(fileA, "not json at all");
        awaitLog(a, "ignored: 'not json at all'");
        // Every one of those was read after the start (one thread reads them in turn): the request
        // that was there at the start was taken as handled, and nothing stepped down.
        assertThat(sidecars.store().history()).extracting(StoreFile.Transition::kind).containsExactly("acquired");
        assertThat(Sidecars.holdsPermit(a)).as("pod-a still leads").isTrue();

        write(fileA, "{\"pod\":\"pod-a\",\"nonce\":\"n2\"}");
        await("pod-b leads after pod-a stepped down").atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> Sidecars.holdsPermit(b));
        assertThat(sidecars.store().history()).extracting(StoreFile.Transition::kind, StoreFile.Transition::holderPod)
                .startsWith(tuple("acquired", "pod-a"),
                        tuple("released", "pod-a"),
                        tuple("acquired", "pod-b"));
        assertThat(a.stderrLines()).anyMatch(l -> l.contains("step-down request 'n2' from") && l.contains("stepping down"));
        assertThat(sidecars.warnings()).as("warnings: one for each malformed request").hasSize(2)
                .allMatch(w -> w.contains("holds no request"));
    }

    @Test
    void shouldRefuseAStepDownFileThatIsADirectoryNamingTheFlag() throws Exception {
        SidecarProcess.Finished run = SidecarProcess.run("refused", dir,
                sidecars.runArgs("pod-a", "--step-down-file", dir.toString()));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("schedlock: --step-down-file " + dir + " is a directory");
        SidecarProcess.Finished missing = SidecarProcess.run("refused", dir,
                sidecars.runArgs("pod-a", "--step-down-file", dir.resolve("nowhere/step-down").toString()));
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("--step-down-file " + dir.resolve("nowhere/step-down")
                + ": its directory does not exist");
        assertThat(sidecars.store().path()).as("nothing ran").doesNotExist();
    }

    /** As the kubelet updates a downward API file: the new content appears at once, whole. */
    private static void write(Path file, String content) throws Exception {
        Path aside = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(aside, content);
        Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitLog(SidecarProcess p, String text) {
        await(p + " logs " + text).atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> p.stderrLines().stream().anyMatch(l -> l.contains(text)));
    }
}
