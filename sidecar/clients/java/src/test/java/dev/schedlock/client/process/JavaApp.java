package dev.schedlock.client.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An application run as a JVM process of its own, from this test run's class path: a scheduler app
 * beside a sidecar, as in a pod. Output goes to {@code <dir>/<name>.log}. {@link #close()} kills it.
 */
public final class JavaApp implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private JavaApp(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java -cp <test class path> mainClass args…}. */
    public static JavaApp start(String name, Path dir, Class<?> mainClass, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, mainClass.getName()));
        command.addAll(List.of(args));
        Path log = dir.resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new JavaApp(name, process, log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Name, state and the end of the log, for failure messages. */
    public String describe() {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            lines = List.of("(log unreadable: " + e + ")");
        }
        List<String> tail = lines.subList(Math.max(0, lines.size() - 30), lines.size());
        return name + " (pid " + process.pid() + (process.isAlive() ? "" : ", exited " + process.exitValue())
                + ", log " + log + ")\n  " + String.join("\n  ", tail);
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
