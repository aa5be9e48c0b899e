package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The README's first command: the demo runs to its end on its own and shows what it promises. */
class DemoIT extends WithSidecars {

    @Test
    void demoShowsFailoverAndHandoffWithoutOverlap() throws Exception {
        SidecarProcess.Finished demo = sidecars.run("demo", "demo", "--dir", dir.resolve("demo").toString());
        String out = demo.out();

        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        assertThat(out).contains("all three started at the same instant")
                .containsPattern("took over [0-9.]+s after the kill")
                .containsPattern("leads [0-9.]+s after the SIGTERM")
                .contains("exited with code 0")
                .contains("overlapping permits seen: none; token went down: never");
        assertThat(out).containsPattern("runs job #1 +with fencing token 1")
                .containsPattern("with fencing token 2")
                .containsPattern("with fencing token 3");
    }
}
