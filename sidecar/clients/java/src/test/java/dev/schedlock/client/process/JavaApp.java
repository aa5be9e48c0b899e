package dev.schedlock.client.process;

import dev.schedlock.sidecar.examples.ExampleProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applications run as JVM processes of their own, from this test run's class path: a scheduler app
 * beside a sidecar, as in a pod. Output goes to {@code <dir>/<name>.out} (kept when the test fails).
 */
public final class JavaApp {

    private JavaApp() {
    }

    /** Starts {@code java -cp <test class path> mainClass args…} in {@code dir}; closing it kills it. */
    public static ExampleProcess start(String name, Path dir, Class<?> mainClass, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, mainClass.getName()));
        command.addAll(List.of(args));
        return ExampleProcess.start(name, dir, command, Map.of());
    }
}
