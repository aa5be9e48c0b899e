package dev.schedlock.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code crds/} must be exactly what the build generates from the Java classes, so that
 * what users apply is what the operator understands.
 */
class CrdDriftTest {

    private static final String FIX = "run ./mvnw -pl operator -Pupdate-crds process-classes and commit crds/";

    private final Path generated = Path.of(System.getProperty("schedlock.crds.generated", "target/crds"));
    private final Path committed = Path.of(System.getProperty("schedlock.crds.committed", "../crds"));

    @Test
    void committedCrdsShouldMatchGeneratedOnes() throws IOException {
        List<String> generatedNames = yamlFiles(generated);
        assertThat(generatedNames).as("CRDs generated into %s", generated).isNotEmpty();
        assertThat(yamlFiles(committed)).as("files in crds/ (%s)", FIX).isEqualTo(generatedNames);
        for (String name : generatedNames) {
            assertThat(Files.readString(committed.resolve(name)))
                    .as("crds/%s differs from the generated CRD: %s", name, FIX)
                    .isEqualTo(Files.readString(generated.resolve(name)));
        }
    }

    private static List<String> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yml") || n.endsWith(".yaml"))
                    .sorted()
                    .toList();
        }
    }
}
