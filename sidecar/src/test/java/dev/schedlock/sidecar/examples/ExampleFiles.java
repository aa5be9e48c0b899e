package dev.schedlock.sidecar.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.Yaml;

/**
 * Reads the files the orchestration examples consist of, the way their tools would: YAML with
 * anchors and merge keys (Compose, Kubernetes), the sidecar image's Dockerfile, systemd units and
 * environment files. Only what the examples use is supported.
 */
final class ExampleFiles {

    static final Path EXAMPLES = Path.of(System.getProperty("schedlock.examples.dir", "../docs/examples"))
            .toAbsolutePath().normalize();
    static final Path DOCKERFILE = Path.of(System.getProperty("schedlock.dockerfile", "Dockerfile"))
            .toAbsolutePath().normalize();

    private static final ObjectMapper JSON = new ObjectMapper();

    private ExampleFiles() {
    }

    /** A process as an example describes it: command line and environment. */
    record ProcessSpec(List<String> command, Map<String, String> env) {

        /** Applies {@code change} to every word of the command and every environment value. */
        ProcessSpec rewrite(UnaryOperator<String> change) {
            Map<String, String> env2 = new LinkedHashMap<>();
            env.forEach((k, v) -> env2.put(k, change.apply(v)));
            return new ProcessSpec(command.stream().map(change).toList(), env2);
        }

        ProcessSpec withEnv(String name, String value) {
            Map<String, String> env2 = new LinkedHashMap<>(env);
            env2.put(name, value);
            return new ProcessSpec(command, env2);
        }
    }

    /** Every document of a YAML file (SnakeYAML resolves anchors, aliases and merge keys). */
    static List<JsonNode> yaml(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(Files.readString(file))) {
            if (doc != null) {
                docs.add(JSON.valueToTree(doc));
            }
        }
        return docs;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The sidecar image: ENTRYPOINT, CMD and ENV of {@code sidecar/Dockerfile}. */
    record Image(List<String> entrypoint, List<String> cmd, Map<String, String> env) {

        /** What the container runs for {@code args} (replacing CMD when given), with {@code env} on top. */
        ProcessSpec run(List<String> args, Map<String, String> extraEnv) {
            List<String> command = new ArrayList<>(entrypoint);
            command.addAll(args.isEmpty() ? cmd : args);
            Map<String, String> all = new LinkedHashMap<>(env);
            all.putAll(extraEnv);
            return new ProcessSpec(command, all);
        }
    }

    static Image image() throws IOException {
        List<String> entrypoint = List.of();
        List<String> cmd = List.of();
        Map<String, String> env = new LinkedHashMap<>();
        for (String instruction : logicalLines(DOCKERFILE)) {
            if (instruction.startsWith("ENTRYPOINT ")) {
                entrypoint = strings(JSON.readTree(instruction.substring("ENTRYPOINT ".length())));
            } else if (instruction.startsWith("CMD ")) {
                cmd = strings(JSON.readTree(instruction.substring("CMD ".length())));
            } else if (instruction.startsWith("ENV ")) {
                for (String assignment : instruction.substring("ENV ".length()).trim().split("\\s+")) {
                    int eq = assignment.indexOf('=');
                    env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
                }
            }
        }
        return new Image(entrypoint, cmd, env);
    }

    /** A systemd unit's [Service] keys (repeated keys in order), continuation lines joined. */
    static Map<String, List<String>> unit(Path file) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String line : logicalLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("[")) {
                keys.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        return keys;
    }

    /** {@code NAME=value} lines of an environment file. */
    static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : logicalLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    /** Lines without comments and blank lines, with lines ending in a backslash joined to the next. */
    private static List<String> logicalLines(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (current.isEmpty() && (line.isEmpty() || line.startsWith("#") || line.startsWith(";"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            out.add(current.append(line).toString().trim());
            current.setLength(0);
        }
        return out;
    }
}
