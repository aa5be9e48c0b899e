package dev.schedlock.release;

import static dev.schedlock.release.ReleaseWorkflowTest.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** One license, Apache-2.0, said the same way in LICENSE, the POM, the chart and both images. */
class LicenseTest {

    @Test
    void licenseFileShouldBeTheApacheLicense2() throws Exception {
        String license = Files.readString(ROOT.resolve("LICENSE"));
        assertThat(license.strip()).startsWith("Apache License\n                           Version 2.0, January 2004")
                .contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION", "END OF TERMS AND CONDITIONS");
    }

    @Test
    void pomChartAndImagesShouldNameApache2() throws Exception {
        assertThat(Files.readString(ROOT.resolve("pom.xml"))).containsPattern(Pattern.compile(
                "<licenses>\\s*<license>\\s*<name>Apache-2.0</name>\\s*<url>https://www.apache.org/licenses/LICENSE-2.0.txt</url>"));
        assertThat(new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("charts/schedlock-operator/Chart.yaml").toFile())
                .path("annotations").path("artifacthub.io/license").asText()).isEqualTo("Apache-2.0");
        for (String dockerfile : new String[] {"sidecar/Dockerfile", "operator/Dockerfile"}) {
            assertThat(Files.readString(ROOT.resolve(dockerfile))).as(dockerfile)
                    .contains("org.opencontainers.image.licenses=\"Apache-2.0\"");
        }
    }
}
