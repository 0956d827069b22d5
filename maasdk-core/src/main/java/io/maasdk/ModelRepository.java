package io.maasdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of models laid out {@code <root>/<name>/<version>/<model file>}, the layout of Triton's
 * and TorchServe's model repositories.
 *
 * <pre>{@code
 * ModelRepository repo = ModelRepository.at(Path.of("models"));
 * ModelRepository.DeployResult r = runtime.deployAll(repo,
 *     ModelSpec.builder("digits", float[].class, float[].class)
 *         .translator(Codecs.floatVector(64)));   // deploys every digits/<version>/ it finds
 * r.skipped().forEach(s -> alert(s.folder() + ": " + s.reason()));
 * }</pre>
 *
 * <p><b>Which folders are versions.</b> A version folder's name must be a semantic version exactly
 * as {@link Version#parse} reads it: no surrounding whitespace, MAJOR/MINOR/PATCH within {@code
 * int}. Any other folder is <em>skipped and reported</em>, never fatal for the others: {@link
 * #scan(String)} lists it in {@link Listing#skipped()} with the reason, and logs a warning.
 * Versions that differ only in build metadata ({@code 1.2.0+build.1}, {@code 1.2.0+build.2}) are
 * one version under SemVer, so two folders for it are ambiguous: both are skipped and reported, and
 * neither is deployed. Plain files next to the version folders (a {@code config.pbtxt}) are
 * ignored.
 *
 * <p>The listing is read when asked for, so versions added later are found by a later call.
 * Thread-safe (immutable; each call lists the folder again).
 */
public final class ModelRepository {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

  private final Path root;

  private ModelRepository(Path root) {
    this.root = root;
  }

  /**
   * A folder under a model's folder that was not deployed, and why.
   *
   * @param folder the folder
   * @param reason why, in words (not a version, a second folder of one version, a failed deploy)
   * @param error the deploy's exception when the deploy itself failed, else {@code null}
   */
  public record Skipped(Path folder, String reason, @Nullable RuntimeException error) {
    public Skipped {
      Objects.requireNonNull(folder, "folder");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * What {@link #scan(String)} found for one model.
   *
   * @param model the model's name
   * @param versions each deployable version with its folder's source, ascending
   * @param skipped folders that are not deployable versions, by folder name
   */
  public record Listing(
      String model, NavigableMap<Version, ModelSource> versions, List<Skipped> skipped) {
    public Listing {
      versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * What {@link ModelRuntime#deployAll} did: the versions it deployed, and every folder it did not
   * deploy with the reason. A version that failed to deploy ({@link ModelLoadException}, {@link
   * DeploymentConflictException} because it is already deployed, …) is in {@code skipped} with its
   * {@link Skipped#error()}; it did not stop the others.
   *
   * @param model the model's name
   * @param deployed the versions deployed by this call, ascending
   * @param alreadyDeployed the versions found that were deployed already (left as they are)
   * @param skipped the folders not deployed, with why
   */
  public record DeployResult(
      String model, List<Version> deployed, List<Version> alreadyDeployed, List<Skipped> skipped) {
    public DeployResult {
      deployed = List.copyOf(deployed);
      alreadyDeployed = List.copyOf(alreadyDeployed);
      skipped = List.copyOf(skipped);
    }

    /** A result with nothing already deployed. */
    public DeployResult(String model, List<Version> deployed, List<Skipped> skipped) {
      this(model, deployed, List.of(), skipped);
    }

    /** Whether every folder was deployed (nothing skipped or failed). */
    public boolean complete() {
      return skipped.isEmpty();
    }
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
   * Every deployable version of {@code name} with its source, ascending; the same as {@code
   * scan(name).versions()}, so skipped folders are logged but not returned.
   *
   * @throws ModelNotFoundException if there is no folder for {@code name}
   */
  public NavigableMap<Version, ModelSource> versions(String name) {
    return scan(name).versions();
  }

  /**
   * Lists {@code name}'s folder: the deployable versions, and every other folder with the reason it
   * is skipped (each also logged as a warning). Never throws for an odd folder.
   *
   * @throws ModelNotFoundException if there is no folder for {@code name}
   * @throws UncheckedIOException if the folder cannot be listed
   */
  public Listing scan(String name) {
    Objects.requireNonNull(name, "name");
    Path dir = root.resolve(name).normalize();
    if (!dir.startsWith(root) || dir.equals(root) || !Files.isDirectory(dir)) {
      throw new ModelNotFoundException(
          name,
          null,
          "model repository "
              + root
              + " has no folder for model '"
              + name
              + "'; it has "
              + modelNames());
    }
    List<Path> folders;
    try (Stream<Path> s = Files.list(dir)) {
      folders = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    List<Skipped> skipped = new ArrayList<>();
    Map<Version, List<Path>> byVersion = new LinkedHashMap<>();
    for (Path p : folders) {
      String folder = p.getFileName().toString();
      try {
        byVersion.computeIfAbsent(Version.parse(folder), v -> new ArrayList<>()).add(p);
      } catch (IllegalArgumentException e) {
        skipped.add(new Skipped(p, "not a version folder: " + e.getMessage(), null));
      }
    }
    NavigableMap<Version, ModelSource> versions = new TreeMap<>();
    byVersion.forEach(
        (v, paths) -> {
          if (paths.size() == 1) {
            versions.put(
                Version.parse(paths.get(0).getFileName().toString()),
                ModelSource.directory(paths.get(0)));
            return;
          }
          List<String> names = paths.stream().map(p -> p.getFileName().toString()).toList();
          for (Path p : paths) {
            skipped.add(
                new Skipped(
                    p,
                    "folders "
                        + names
                        + " of model '"
                        + name
                        + "' are one version"
                        + " under SemVer (build metadata is ignored), so none of them is deployed: keep one"
                        + " folder per version",
                    null));
          }
        });
    skipped.sort((a, b) -> a.folder().compareTo(b.folder()));
    for (Skipped s : skipped) {
      LOG.warn("model repository: skipped {}: {}", s.folder(), s.reason());
    }
    return new Listing(name, versions, skipped);
  }

  @Override
  public String toString() {
    return "ModelRepository[" + root + "]";
  }
}
