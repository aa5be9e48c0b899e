package dev.schedlock.sidecar.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedlock.rules.PrintableText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The holder identity accepts only names that are safe to store, join with '/' and print. */
class HolderIdentityTest {

    private static final String UUID = "5d0c1f7e-8a3b-4c2d-9e6f-0a1b2c3d4e5f";

    @ParameterizedTest
    @ValueSource(strings = {"billing-7c9d5-x2x4q", "a", "pod-a", "web.example.com", "Laptop_01", "0"})
    void shouldAcceptPodNamesOfKubernetesAndHosts(String pod) {
        HolderIdentity identity = HolderIdentity.forThisProcess(pod, UUID, "host");

        assertThat(identity.pod()).isEqualTo(pod);
        assertThat(identity.id()).startsWith(pod + "/" + UUID + "/").matches(".*/[0-9a-f]{12}");
    }

    @Test
    void shouldAcceptTheLongestPodName() {
        String pod = "a".repeat(HolderIdentity.MAX_NAME_LENGTH);
        assertThat(HolderIdentity.forThisProcess(pod, null, "host").pod()).isEqualTo(pod);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "pod\nforged", "pod\u001b[31m", "has space", "-leading", "trailing-", ".dot",
        "pod\u202e", "tab\there"})
    void shouldRefuseForgingPodNamesNamingTheFlag(String pod) {
        assertThatThrownBy(() -> HolderIdentity.forThisProcess(pod, null, "host"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pod-name '")
                .hasMessageContaining("1-253")
                .satisfies(e -> assertThat(PrintableText.isPrintable(e.getMessage())).as("message printable").isTrue());
    }

    @Test
    void shouldRefuseAPodNameOf10000CharactersWithoutEchoingIt() {
        assertThatThrownBy(() -> HolderIdentity.forThisProcess("a".repeat(10_000), null, "host"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pod-name")
                .hasMessageContaining("(10000 characters)")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
        assertThatThrownBy(() -> HolderIdentity.forThisProcess("a".repeat(254), null, "host"))
                .hasMessageContaining("pod-name");
    }

    @ParameterizedTest
    @ValueSource(strings = {UUID, "uid-1", "A1"})
    void shouldAcceptPodUids(String uid) {
        assertThat(HolderIdentity.forThisProcess("pod", uid, "host").id()).startsWith("pod/" + uid + "/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "uid\nforged", "uid\u001b", "x_y", "with space"})
    void shouldRefuseForgingPodUidsNamingTheFlag(String uid) {
        assertThatThrownBy(() -> HolderIdentity.forThisProcess("pod", uid, "host"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pod-uid '");
    }

    @Test
    void shouldRefuseAPodUidLongerThan128() {
        assertThat(HolderIdentity.forThisProcess("pod", "u".repeat(128), "host").id()).contains("u".repeat(128));
        assertThatThrownBy(() -> HolderIdentity.forThisProcess("pod", "u".repeat(129), "host"))
                .hasMessageContaining("pod-uid");
    }

    @Test
    void shouldTreatABlankPodUidAsNone() {
        assertThat(HolderIdentity.forThisProcess("pod", " ", "host").id()).matches("pod/[0-9a-f]{12}");
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
        "web-1|web-1",
        "Laptop_01.local|Laptop_01.local",
        "'  host\n-x\u001b[2J  '|host--x-2J",
        "my host/name|my-host-name",
        "-._|localhost",
        "''|localhost"})
    void shouldMakeTheHostNameFitAPodName(String raw, String expected) {
        String host = HolderIdentity.sanitizeHostName(raw);

        assertThat(host).isEqualTo(expected);
        HolderIdentity.requireValidPodName(host);
    }

    @Test
    void shouldCutALongHostNameTo253() {
        String host = HolderIdentity.sanitizeHostName("h".repeat(252) + ".-x");
        assertThat(host).isEqualTo("h".repeat(252));
        assertThat(HolderIdentity.sanitizeHostName(null)).isEqualTo("localhost");
    }
}
