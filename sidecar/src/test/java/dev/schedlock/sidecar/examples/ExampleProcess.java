package dev.schedlock.sidecar.examples;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of a documentation example (a shell script, a Python or Java program) as its own
 * process, with stdout and stderr in one file. {@link #close()} leaves no process behind. Public
 * for the client modules' tests, which run their scheduler apps with it.
 */
public final class ExampleProcess implements AutoCloseable {

    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final String name;
    private final Process process;
    private final Path output;

    private ExampleProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /** Starts {@code command} in {@code dir} with {@code env} added to this JVM's environment. */
    public static ExampleProcess start(String name, Path dir, List<String> command, Map<String, String> env)
            throws IOException {
        Path output = dir.resolve(name + ".out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(env);
        return new ExampleProcess(name, builder.start(), output);
    }

    /** Runs it to its end and returns the exit status. */
    static ExampleProcess run(String name, Path dir, List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        ExampleProcess p = start(name, dir, command, env);
        p.awaitExit();
        return p;
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + PATIENCE.toSeconds() + "s:\n" + output());
        }
        return process.exitValue();
    }

    int exitCode() {
        return process.exitValue();
    }

    /** Waits until the output has a line containing {@code text}. */
    public void awaitLine(String text) {
        await(name + " prints '" + text + "'").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> lines().stream().anyMatch(l -> l.contains(text)) || !process.isAlive());
        if (lines().stream().noneMatch(l -> l.contains(text))) {
            throw new AssertionError(name + " exited without printing '" + text + "':\n" + output());
        }
    }

    /** Waits until a line matches {@code pattern} and returns its first group. */
    String awaitMatch(Pattern pattern) {
        return await(name + " prints " + pattern).atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> lines().stream().map(pattern::matcher).filter(Matcher::find)
                        .map(m -> m.group(1)).findFirst(), found -> found.isPresent() || !process.isAlive())
                .orElseThrow(() -> new AssertionError(name + " exited without printing " + pattern + ":\n" + output()));
    }

    /** Waits until the sidecar has written its ready file ({@code --ready-file}) and returns its content. */
    public JsonNode awaitReadyFile(Path file) throws IOException {
        await(name + " writes " + file).atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> Files.exists(file) || !process.isAlive());
        if (!Files.exists(file)) {
            throw new AssertionError(name + " exited without writing its ready file:\n" + output());
        }
        return new ObjectMapper().readTree(file.toFile());
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as a container runtime or systemd sends it on stop. */
    void sigterm() throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    List<String> lines() {
        try {
            return Files.readAllLines(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String output() {
        return String.join("\n", lines());
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
