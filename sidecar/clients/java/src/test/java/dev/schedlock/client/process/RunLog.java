package dev.schedlock.client.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** The file the test apps append one comma-separated line per job run to. */
public final class RunLog {

    private RunLog() {
    }

    /** Every run recorded so far (none before the file exists), each line parsed from its fields. */
    public static <T> List<T> read(Path file, Function<String[], T> parse) {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
                    .map(l -> parse.apply(l.split(","))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
