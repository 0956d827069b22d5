package io.maasdk.spring.boot.autoconfigure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * maasdk-bom has no parent (so importing it brings nothing else), so nothing keeps its versions in
 * step with the build's but this test: the engine versions the build tests with, and every
 * published maasdk module.
 */
class BomTest {
  /** The project root: Maven's, else the parent of this module (surefire runs in the module). */
  private static final Path ROOT =
      Files.isRegularFile(Path.of(System.getProperty("maasdk.root", "."), "maasdk-bom/pom.xml"))
          ? Path.of(System.getProperty("maasdk.root", "."))
          : Path.of("..");

  private static String property(String pom, String name) {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</").matcher(pom);
    assertTrue(m.find(), "no <" + name + "> in the pom");
    return m.group(1).trim();
  }

  @Test
  void bomVersions_areTheVersionsTheBuildTestsWith() throws Exception {
    String bom = Files.readString(ROOT.resolve("maasdk-bom/pom.xml"));
    assertEquals(System.getProperty("maasdk.version"), property(bom, "version"));
    assertEquals(System.getProperty("maasdk.version"), property(bom, "maasdk.version"));
    assertEquals(System.getProperty("maasdk.djl.version"), property(bom, "djl.version"));
    assertEquals(System.getProperty("maasdk.pytorch.version"), property(bom, "pytorch.version"));
    assertEquals(
        System.getProperty("maasdk.pytorch.jni.version"), property(bom, "pytorch.jni.version"));
  }

  @Test
  void bomManages_everyPublishedMaasdkModule() throws Exception {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("maasdk-bom/pom.xml"));
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(parent);
    List<String> missing = new ArrayList<>();
    while (m.find()) {
      String module = m.group(1).trim();
      boolean unpublished =
          module.equals("maasdk-bom")
              || module.startsWith("maasdk-examples")
              || module.equals("maasdk-benchmarks")
              || module.endsWith("-tests");
      if (!unpublished && !bom.contains("<artifactId>" + module + "</artifactId>")) {
        missing.add(module);
      }
    }
    assertTrue(missing.isEmpty(), "maasdk-bom does not manage " + missing);
  }
}
