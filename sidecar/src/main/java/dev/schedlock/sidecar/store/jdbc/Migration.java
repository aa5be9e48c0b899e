package dev.schedlock.sidecar.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One forward-only schema step, read from {@code /db/<dialect>/V<version>__<description>.sql}.
 * Statements are separated by a semicolon at the end of a line; {@code --} comment lines are
 * dropped.
 *
 * @param version     strictly increasing, starting at 1
 * @param description short snake_case description, recorded in {@code schema_migrations}
 * @param statements  the DDL, in order
 */
public record Migration(int version, String description, List<String> statements) {

    /** Every migration this version knows, in order. Appending is the only allowed change. */
    static final List<String> KNOWN = List.of("lease_tables", "history_indexes", "store_identity");

    /** The newest schema version this build can write. */
    public static final int LATEST = KNOWN.size();

    /** Loads the known migrations for a dialect ({@code sqlite} or {@code postgresql}). */
    public static List<Migration> forDialect(String dialect) {
        return forDialect(dialect, LATEST);
    }

    /** Loads the known migrations up to {@code upTo} (benchmarks compare schema levels). */
    public static List<Migration> forDialect(String dialect, int upTo) {
        List<Migration> result = new ArrayList<>();
        for (int i = 0; i < upTo; i++) {
            int version = i + 1;
            String description = KNOWN.get(i);
            String resource = "/db/" + dialect + "/V" + version + "__" + description + ".sql";
            result.add(new Migration(version, description, split(read(resource))));
        }
        return List.copyOf(result);
    }

    private static String read(String resource) {
        try (InputStream in = Migration.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("migration resource missing from the jar: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                statements.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("migration ends without ';': " + current);
        }
        return statements;
    }
}
