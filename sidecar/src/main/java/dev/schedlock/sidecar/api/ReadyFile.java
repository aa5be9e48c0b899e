package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine-readable ready signal ({@code --ready-file}): written once the status server and
 * the control API listen, removed when the sidecar stops. Tests and tools read the addresses from
 * it instead of parsing the log. Written like the signal file ({@link AtomicFile}): a reader sees
 * either no file or a whole one.
 */
public final class ReadyFile {

    /**
     * The file's JSON content (docs/api.md, "Ready file").
     *
     * @param controlAddress {@code host:port} of the control API, ready to put after {@code http://}
     * @param statusAddress  {@code host:port} of the status server
     */
    public record Content(long pid, String controlAddress, int controlPort, String statusAddress, int statusPort) {
    }

    private final Path file;

    public ReadyFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    /**
     * Refuses a path the file cannot be written to, before anything starts.
     *
     * @throws IllegalArgumentException naming {@code ready-file}
     */
    public static void requireWritable(Path file) {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("ready-file " + file + " is a directory: give a file name, e.g. "
                    + absolute.resolve("ready.json"));
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("ready-file " + file + ": directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException("ready-file " + file + ": directory " + dir + " is not writable");
        }
    }

    /** Writes the file (replacing an old one, e.g. of a killed process). */
    public void write(Content content, ObjectMapper json) throws IOException {
        AtomicFile.replace(file, json.writeValueAsBytes(content));
    }

    /** Removes the file; a file that is already gone is fine. */
    public void remove() throws IOException {
        Files.deleteIfExists(file);
    }

    public Path path() {
        return file;
    }
}
