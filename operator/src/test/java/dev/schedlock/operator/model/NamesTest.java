package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import org.junit.jupiter.api.Test;

class NamesTest {

    @Test
    void shouldKeepShortNamesAsTheyAre() {
        SchedulerDeployment sd = TestResources.sqlite("billing");

        assertThat(Names.deployment(sd)).isEqualTo("billing");
        assertThat(Names.statusService(sd)).isEqualTo("billing-status");
        assertThat(Names.leaseClaim(sd)).isEqualTo("billing-lease");
        assertThat(Names.defaultLockName(sd)).isEqualTo("jobs.billing");
    }

    @Test
    void shouldCutLongNamesTo63CharactersAndKeepThemApart() {
        String prefix = "a".repeat(70);
        SchedulerDeployment one = TestResources.sqlite(prefix + "-one");
        SchedulerDeployment two = TestResources.sqlite(prefix + "-two");

        assertThat(Names.statusService(one)).hasSize(63).endsWith("-status").startsWith("aaaa");
        assertThat(Names.labelValue(one)).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        assertThat(Names.deployment(one)).isNotEqualTo(Names.deployment(two));
    }

    @Test
    void shouldNotLeaveADashBeforeTheHash() {
        String cut = Names.cut("a".repeat(53) + "-" + "b".repeat(20), "", 63);

        assertThat(cut).hasSize(62).doesNotContain("--").startsWith("a".repeat(53) + "-");
    }

    @Test
    void shouldCutLockNamesTo128Characters() {
        SchedulerDeployment sd = TestResources.sqlite("x".repeat(200));

        assertThat(Names.defaultLockName(sd)).hasSize(128).startsWith("jobs.xxx");
    }
}
