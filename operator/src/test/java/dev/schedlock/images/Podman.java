package dev.schedlock.images;

import static org.assertj.core.api.Assertions.fail;

import dev.schedlock.charts.Tools;
import dev.schedlock.charts.Tools.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The images built by podman from the repository's Dockerfiles (Maven profile {@code images}
 * runs {@code .ci/build-image}), and podman to run them, with this machine's settings
 * ({@code .ci/containers.conf}). Missing podman or a missing image fails the test with the
 * command that fixes it; nothing is skipped.
 *
 * <p>Containers use the host's network ({@code --network host}) and listen on free loopback
 * ports, so that tests reach them as they reach a sidecar process, and nothing needs a
 * container network.
 */
public final class Podman {

    private static final Path CONF = Path.of(System.getProperty("schedlock.containers.conf", "../.ci/containers.conf"));

    private final Path podman;
    private final List<String> containers = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();

    private Podman(Path podman) {
        this.podman = podman;
    }

    /** podman from PATH; fails with the install command when it is missing. */
    public static Podman onPath() {
        Path found = tool("podman", "podman runc catatonit debootstrap");
        if (!Files.isReadable(CONF)) {
            fail("podman settings " + CONF.toAbsolutePath() + " not found (schedlock.containers.conf)");
        }
        return new Podman(found);
    }

    /** A program from PATH; fails with the command that installs its Debian package when it is missing. */
    public static Path tool(String program, String packages) {
        return Tools.find(program, false, "run `.ci/install-tools` (it runs"
                + " `apt-get install -y --no-install-recommends " + packages + "`)");
    }

    /**
     * A base image that {@code .ci/local-bases} makes from Debian packages ("PYTHON_IMAGE", ...):
     * the script makes it if it is missing and prints its name.
     */
    public String localBase(String variable) throws IOException, InterruptedException {
        Path script = CONF.toAbsolutePath().resolveSibling("local-bases");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("CONTAINERS_CONF", CONF.toAbsolutePath().toString());
        Process p = builder.start();
        String out = read(p.getInputStream());
        if (p.waitFor() != 0) {
            fail(script + " failed (its error is above)");
        }
        return out.lines().filter(l -> l.startsWith(variable + "=")).map(l -> l.substring(variable.length() + 1))
                .findFirst().orElseGet(() -> fail(script + " printed no " + variable + ": " + out));
    }

    /**
     * The image {@code name} ("sidecar", "operator") as built for this test run; fails with how to
     * build it when it is not there.
     */
    public String image(String name) throws IOException, InterruptedException {
        String image = System.getProperty("schedlock.image." + name, "localhost/schedlock-" + name + ":dev");
        if (run("image", "exists", image).exit() != 0) {
            fail("image " + image + " not found: build it with `./mvnw -B -ntp -pl operator -am -Pimages verify`"
                    + " (profile images) or `.ci/build-image " + name + "` after packaging the jar");
        }
        return image;
    }

    /** Runs {@code podman ARGS} to its end. */
    public Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(podman.toString());
        command.addAll(List.of(args));
        return Tools.run(command, Map.of("CONTAINERS_CONF", CONF.toAbsolutePath().toString()), null);
    }

    /** {@code podman run --rm ARGS}: a one-shot container, to its end. */
    public Result once(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("run", "--rm"));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /** {@code podman run -d --name NAME ARGS}; {@link #close} removes it. Returns the name. */
    public String start(String name, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("run", "-d", "--name", name));
        all.addAll(List.of(args));
        containers.add(name);
        run(all.toArray(String[]::new)).assertSuccess();
        return name;
    }

    /** A new named volume; {@link #close} removes it. */
    public String volume(String prefix) throws IOException, InterruptedException {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        volumes.add(name);
        run("volume", "create", name).assertSuccess();
        return name;
    }

    /** The host PID of the container's first process (the JVM: the ENTRYPOINT is exec form). */
    public long pid(String container) throws IOException, InterruptedException {
        return Long.parseLong(inspect(container, "{{.State.Pid}}"));
    }

    /** One field of {@code podman inspect}, as a Go template. */
    public String inspect(String object, String template) throws IOException, InterruptedException {
        return run("inspect", "--format", template, object).assertSuccess().out().strip();
    }

    public String logs(String container) throws IOException, InterruptedException {
        Result logs = run("logs", container);
        return logs.out() + "\n" + logs.err();
    }

    /** A line of {@code /proc/PID/status}, e.g. "Uid" or "VmRSS", without its name. */
    public static String procStatus(long pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith(field + ":")).findFirst()
                .map(l -> l.substring(field.length() + 1).strip())
                .orElseThrow(() -> new IllegalStateException("no " + field + " in /proc/" + pid + "/status"));
    }

    /** Removes the containers and volumes this instance made. */
    public void close() throws IOException, InterruptedException {
        for (String container : containers) {
            run("rm", "-f", "-t", "10", container);
        }
        for (String volume : volumes) {
            run("volume", "rm", "-f", volume);
        }
        containers.clear();
        volumes.clear();
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
