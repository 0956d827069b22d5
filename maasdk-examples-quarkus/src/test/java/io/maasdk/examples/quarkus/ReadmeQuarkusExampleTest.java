package io.maasdk.examples.quarkus;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * README.md's "Quarkus example app" quotes this module's application.properties and
 * PredictResource: the quotes must still be what PredictResourceTest runs.
 */
class ReadmeQuarkusExampleTest {
  private static final Path MODULE = Path.of("").toAbsolutePath();

  private static String readmeSection() throws IOException {
    String readme = Files.readString(MODULE.resolveSibling("README.md"));
    int begin = readme.indexOf("<!-- Quarkus example app (issue 15 item 3): begin -->");
    int end = readme.indexOf("<!-- Quarkus example app: end -->");
    assertTrue(begin >= 0 && end > begin, "README.md has no Quarkus example app section");
    return readme.substring(begin, end);
  }

  private static String block(String section, String fence) {
    int start = section.indexOf("```" + fence + "\n");
    assertTrue(start >= 0, "no ```" + fence + " block in the README section");
    start += fence.length() + 4;
    return section.substring(start, section.indexOf("```", start));
  }

  @Test
  void propertiesBlock_isTheApplicationProperties() throws IOException {
    String quoted = block(readmeSection(), "properties").strip();
    String actual =
        Files.readString(MODULE.resolve("src/main/resources/application.properties")).strip();
    assertTrue(quoted.equals(actual), "README quotes\n" + quoted + "\nbut the file is\n" + actual);
  }

  @Test
  void javaBlock_linesAreInPredictResource() throws IOException {
    String source =
        Files.readString(
            MODULE.resolve("src/main/java/io/maasdk/examples/quarkus/PredictResource.java"));
    List<String> missing =
        block(readmeSection(), "java")
            .lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.equals("..."))
            .filter(l -> !source.contains(l))
            .collect(Collectors.toList());
    assertTrue(missing.isEmpty(), "README lines not in PredictResource.java: " + missing);
  }

  @Test
  void commands_nameThisModule() throws IOException {
    String section = readmeSection();
    assertTrue(section.contains("./mvnw -pl maasdk-examples-quarkus -am quarkus:dev"), section);
    assertTrue(Files.isRegularFile(MODULE.resolveSibling("mvnw")), "the Maven Wrapper");
  }
}
