package dev.schedlock.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The password file is read with a bound, and refused with a message that never shows its content. */
class PasswordFileTest {

    private static final String SECRET = "S3cret-do-not-show";

    @TempDir
    Path dir;

    @Test
    void shouldReadThePasswordWithoutTheTrailingNewline() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), SECRET + "\n");

        assertThat(StoreOptions.readPasswordFile(file)).isEqualTo(SECRET);
    }

    @Test
    void shouldFollowTheSymbolicLinksOfAMountedSecret() throws Exception {
        Path data = Files.createDirectory(dir.resolve("..2026_01_01"));
        Files.writeString(data.resolve("password"), SECRET);
        Path link = Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
        Path key = Files.createSymbolicLink(dir.resolve("password"), link.getFileName().resolve("password"));

        assertThat(StoreOptions.readPasswordFile(key)).isEqualTo(SECRET);
    }

    @Test
    void shouldAcceptAFileOfExactlyTheLimit() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "p".repeat(StoreOptions.MAX_PASSWORD_FILE_BYTES));

        assertThat(StoreOptions.readPasswordFile(file)).hasSize(StoreOptions.MAX_PASSWORD_FILE_BYTES);
    }

    @Test
    void shouldRefuseAFileOverTheLimitWithoutShowingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("password"),
                SECRET + "x".repeat(StoreOptions.MAX_PASSWORD_FILE_BYTES));

        assertThatThrownBy(() -> StoreOptions.readPasswordFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--store-password-file")
                .hasMessageContaining("larger than 4096 bytes")
                .message().doesNotContain(SECRET);
    }

    @Test
    void shouldRefuseADeviceWithoutReadingIt() {
        assertThatThrownBy(() -> StoreOptions.readPasswordFile(Path.of("/dev/zero")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--store-password-file '/dev/zero' is not a regular file");
    }

    @Test
    void shouldRefuseADirectoryAndAMissingFile() {
        assertThatThrownBy(() -> StoreOptions.readPasswordFile(dir))
                .hasMessageContaining("is not a regular file");
        assertThatThrownBy(() -> StoreOptions.readPasswordFile(dir.resolve("missing")))
                .hasMessageContaining("--store-password-file").hasMessageContaining("does not exist");
    }

    @Test
    void shouldRefuseAFileThatIsNotUtf8WithoutShowingIt() throws Exception {
        byte[] latin1 = (SECRET + "\u00e9").getBytes(StandardCharsets.ISO_8859_1);
        Path file = Files.write(dir.resolve("password"), latin1);

        assertThatThrownBy(() -> StoreOptions.readPasswordFile(file))
                .hasMessageContaining("is not UTF-8")
                .message().doesNotContain(SECRET);
    }
}
