package dev.schedlock.sidecar.store.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a main class of the tests in a JVM of its own, as a user that file permissions apply to.
 *
 * <p>Root ignores read and write permissions, and CI runs the tests as root, so a read-only file
 * is read-only only for another user. As root the JVM runs as {@code nobody} (uid 65534) through
 * {@code setpriv}; as anyone else it runs as that user. {@code nobody} cannot read the Maven
 * repository under {@code /root}, so the classes it needs are copied where it can.
 */
final class UnprivilegedJava {

    private static final int NOBODY = 65534;

    private final Path classpathCopy;

    /** @param workDir an empty directory for the copied classpath */
    UnprivilegedJava(Path workDir) {
        this.classpathCopy = workDir;
    }

    /**
     * Runs {@code mainClass} with {@code args}; returns what it printed on standard output.
     * Skips the test (with the reason) when running as root and {@code setpriv} cannot switch user.
     */
    String run(Class<?> mainClass, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            List<String> setpriv = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
            assumeTrue(canRun(setpriv), "the tests run as root, which ignores file permissions, and"
                    + " `setpriv` cannot switch to uid " + NOBODY + " here: read-only cases skipped");
            command.addAll(setpriv);
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(copyClasspath(mainClass));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("child JVM did not finish in 60 s: " + command);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("child JVM exited with " + process.exitValue() + ": " + output);
        }
        return output;
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static boolean canRun(List<String> prefix) throws InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.add("true");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The main classes, the test classes and the SQLite driver, readable by anyone. */
    private String copyClasspath(Class<?> mainClass) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (Class<?> anchor : List.of(JdbcLeaseStore.class, mainClass, org.sqlite.JDBC.class)) {
            Path source = location(anchor);
            Path target = classpathCopy.resolve(n++ + "-" + source.getFileName());
            copyTree(source, target);
            entries.add(target.toString());
        }
        makeReadableByAll(classpathCopy);
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path copy = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy);
                }
            }
        }
    }

    /** Directories 755 and files 644, from {@code root} down. */
    static void makeReadableByAll(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.forEach(path -> {
                try {
                    Files.setPosixFilePermissions(path,
                            PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
