package io.maasdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.NavigableSet;
import java.util.stream.Stream;

/**
 * A folder of models laid out {@code <root>/<name>/<version>/<model file>}, the layout of Triton's
 * and TorchServe's model repositories. Folders whose name is not a semantic version are ignored
 * (with their name in {@link #toString()} so a typo shows), as are files at the name level.
 *
 * <pre>{@code
 * ModelRepository repo = ModelRepository.at(Path.of("models"));
 * runtime.deployAll(repo, ModelSpec.builder("digits", float[].class, float[].class)
 *     .translator(Codecs.floatVector(64)));   // deploys every digits/<version>/ it finds
 * }</pre>
 *
 * <p>The listing is read when asked for, so versions added later are found by a later call.
 */
public final class ModelRepository {
  private final Path root;

  private ModelRepository(Path root) {
    this.root = root;
  }

  /**
   * A repository rooted at {@code root}.
   *
   * @throws IllegalArgumentException if {@code root} is not a directory
   */
  public static ModelRepository at(Path root) {
    Objects.requireNonNull(root, "root");
    Path abs = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new IllegalArgumentException("model repository " + abs + " is not a directory");
    }
    return new ModelRepository(abs);
  }

  public Path root() {
    return root;
  }

  /** The model names (first-level folders), sorted. */
  public NavigableSet<String> modelNames() {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list model repository " + root, e);
    }
  }

  /**
   * Every version of {@code name} found, with its source, in ascending order.
   *
   * @throws ModelNotFoundException if there is no folder for {@code name}
   */
  public NavigableMap<Version, ModelSource> versions(String name) {
    Path dir = root.resolve(name).normalize();
    if (!dir.startsWith(root) || !Files.isDirectory(dir)) {
      throw new ModelNotFoundException(
          name,
          null,
          "model repository " + root + " has no folder for model '" + name + "'; it has "
              + modelNames());
    }
    NavigableMap<Version, ModelSource> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory)
          .filter(p -> Version.isVersion(p.getFileName().toString()))
          .forEach(
              p -> out.put(Version.parse(p.getFileName().toString()), ModelSource.directory(p)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    return Collections.unmodifiableNavigableMap(out);
  }

  @Override
  public String toString() {
    return "ModelRepository[" + root + "]";
  }
}
