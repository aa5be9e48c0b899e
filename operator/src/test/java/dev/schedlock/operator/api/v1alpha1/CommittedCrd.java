package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CRD as committed in {@code crds/}, the file users apply, as a JSON tree. */
final class CommittedCrd {

    private CommittedCrd() {
    }

    static JsonNode read() throws IOException {
        Path crd = Path.of(System.getProperty("schedlock.crds.committed", "../crds"))
                .resolve("schedulerdeployments.schedlock.dev-v1.yml");
        return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(crd));
    }
}
