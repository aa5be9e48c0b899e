package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Migrations are forward-only: a script that a database has applied must never change, because
 * the runner records only its version and would not apply an edit. Each script's SHA-256 is pinned
 * here (line endings normalized); a change to a script fails this test. To change the schema,
 * append a new {@code V<n>__<description>.sql} to both dialects and to {@link Migration#KNOWN},
 * and pin its hash.
 */
class MigrationScriptsTest {

    private static final Map<String, String> PINNED = Map.of(
            "sqlite/V1__lease_tables.sql", "ddf2a80d1161c7175b3dc1ce82697c4773b171524d040bc16af2d7c41d8a7bd3",
            "sqlite/V2__history_indexes.sql", "8856971d119e6c00959e21b72cfe131ad811b6b6c37a3f6cad518cf646cc54d9",
            "postgresql/V1__lease_tables.sql", "41c4387628c456cddb23838d8f7120e1b994725a36764e4770f8f4e3c0e4c102",
            "postgresql/V2__history_indexes.sql", "8856971d119e6c00959e21b72cfe131ad811b6b6c37a3f6cad518cf646cc54d9",
            "sqlite/V3__store_identity.sql", "c135286710e127aa6e9cec6a08048fd7d97dd2fe18f63aa02b38c3b412caf03b",
            "postgresql/V3__store_identity.sql", "5f818c12b72849d09859e5fffb0508ce9cef8cf689039f6f54ab90825afb6226");

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void shouldKeepEveryAppliedScriptAsItWasReleased(String dialect) throws Exception {
        for (int version = 1; version <= Migration.LATEST; version++) {
            String script = dialect + "/V" + version + "__" + Migration.KNOWN.get(version - 1) + ".sql";
            assertThat(PINNED).as("pinned hash of %s: a new migration needs its hash here", script)
                    .containsKey(script);
            assertThat(sha256(script)).as("%s changed: applied migrations are never edited; add a new"
                    + " V%d__….sql instead", script, Migration.LATEST + 1).isEqualTo(PINNED.get(script));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void shouldShipOnlyTheKnownScripts(String dialect) throws Exception {
        List<String> known = Stream.iterate(1, v -> v + 1).limit(Migration.LATEST)
                .map(v -> "V" + v + "__" + Migration.KNOWN.get(v - 1) + ".sql").toList();

        assertThat(scriptsIn(dialect)).as("scripts in db/%s that the runner knows", dialect)
                .containsExactlyInAnyOrderElementsOf(known);
    }

    private static String sha256(String script) throws IOException, NoSuchAlgorithmException {
        try (InputStream in = Migration.class.getResourceAsStream("/db/" + script)) {
            assertThat(in).as("resource /db/%s", script).isNotNull();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static List<String> scriptsIn(String dialect) throws IOException, URISyntaxException {
        URL dir = Migration.class.getResource("/db/" + dialect);
        assertThat(dir).as("resource directory /db/%s", dialect).isNotNull();
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
