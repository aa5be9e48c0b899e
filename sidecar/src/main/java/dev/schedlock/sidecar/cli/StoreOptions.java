package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.store.StoreSettings;
import dev.schedlock.rules.PrintableText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the lease lives; shared by every subcommand. The password has no flag, so it never shows in {@code ps}. */
public final class StoreOptions {

    /** Largest password file read: far more than any password, far less than a mistake can be. */
    static final int MAX_PASSWORD_FILE_BYTES = 4096;

    @Option(names = "--store", paramLabel = "URL",
            defaultValue = "${env:SCHEDLOCK_STORE:-jdbc:sqlite:schedlock.db}",
            description = "Lease store: jdbc:sqlite:/path/lease.db (one host) or jdbc:postgresql://host:5432/db"
                    + " (several nodes). Env SCHEDLOCK_STORE. Default: ${DEFAULT-VALUE}")
    String url;

    @Option(names = "--store-user", paramLabel = "USER", defaultValue = "${env:SCHEDLOCK_STORE_USER}",
            description = "Database user (PostgreSQL). Env SCHEDLOCK_STORE_USER.")
    String user;

    @Option(names = "--store-password-file", paramLabel = "FILE", defaultValue = "${env:SCHEDLOCK_STORE_PASSWORD_FILE}",
            description = "File holding the database password (PostgreSQL), e.g. a mounted Secret."
                    + " Env SCHEDLOCK_STORE_PASSWORD_FILE; or set SCHEDLOCK_STORE_PASSWORD.")
    Path passwordFile;

    @Option(names = "--store-schema", paramLabel = "SCHEMA", defaultValue = "${env:SCHEDLOCK_STORE_SCHEMA:-schedlock}",
            description = "PostgreSQL schema for schedlock's tables (created if missing). Env SCHEDLOCK_STORE_SCHEMA."
                    + " Default: ${DEFAULT-VALUE}")
    String schema;

    @Option(names = "--lock-name", paramLabel = "NAME", defaultValue = "${env:SCHEDLOCK_LOCK_NAME:-default}",
            description = "Name of the lock row; one database can serve many locks. Env SCHEDLOCK_LOCK_NAME."
                    + " Default: ${DEFAULT-VALUE}")
    String lockName;

    /** Builds the settings; reads the password file now, so a missing file fails at start. */
    StoreSettings settings(Duration statementTimeout) {
        return new StoreSettings(url, blankToNull(user), password(), statementTimeout, schema);
    }

    private String password() {
        if (passwordFile != null) {
            return readPasswordFile(passwordFile);
        }
        return blankToNull(System.getenv("SCHEDLOCK_STORE_PASSWORD"));
    }

    /**
     * Reads at most {@link #MAX_PASSWORD_FILE_BYTES}: a device ({@code /dev/zero}), a FIFO or a
     * wrong, large file is refused with a message instead of filling the heap or blocking the start.
     * The messages never include the content. Symbolic links are followed: a mounted Secret is a
     * chain of them.
     */
    static String readPasswordFile(Path file) {
        String name = PrintableText.quote(file.toString());
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--store-password-file " + name + (Files.exists(file)
                    ? " is not a regular file (a device, a FIFO or a directory): name the file that holds only"
                    + " the password, e.g. a key of a mounted Secret"
                    : " does not exist: check the path and the Secret mount"));
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_PASSWORD_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new IllegalArgumentException("--store-password-file " + name + " cannot be read ("
                    + e.getClass().getSimpleName() + "): check the path, its permissions and the Secret mount");
        }
        if (bytes.length > MAX_PASSWORD_FILE_BYTES) {
            throw new IllegalArgumentException("--store-password-file " + name + " is larger than "
                    + MAX_PASSWORD_FILE_BYTES + " bytes, too large for a password: name the file that holds only"
                    + " the password");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString().strip();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("--store-password-file " + name + " is not UTF-8 text: write the"
                    + " password as UTF-8 (a Secret's key holds it as given)");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
