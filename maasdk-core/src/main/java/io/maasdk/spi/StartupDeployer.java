package io.maasdk.spi;

import io.maasdk.AliasTarget;
import io.maasdk.BatchingPolicy;
import io.maasdk.CachePolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelAdmin;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <b>Integration SPI</b>, for framework integrations (the Spring Boot starter and the Quarkus
 * extension), not for applications: deploys what an application declared in its {@code maasdk.*}
 * configuration when its runtime is created, in this order: every {@link ModelSpec} the application
 * provides, every model under {@code maasdk.models} (one file or folder with {@code location} and
 * {@code version}, or every version under {@code maasdk.repository.root}), then the aliases under
 * {@code maasdk.aliases}. Any failure is thrown with a message naming the property, the model and
 * the version; the caller then closes the runtime. Each integration maps its own configuration type
 * onto {@link DeclaredModel} and says how locations resolve.
 *
 * <pre>{@code
 * StartupDeployer.builder(runtime)
 *     .repositoryRoot(Path.of("/models"))
 *     .build()
 *     .deploy(List.of(), Map.of("digits", declared), Map.of("digits", Map.of("stable", "2.0.0")));
 * }</pre>
 *
 * <p>Not thread-safe: used once, on the thread creating the runtime.
 */
public final class StartupDeployer {
  private static final Logger LOG = LoggerFactory.getLogger(StartupDeployer.class);
  private static final String CLASSPATH = "classpath:";

  /**
   * One model declared under {@code maasdk.models.<name>}, with the built-in float-vector codec
   * (float32[input-length] in, float32[] out).
   *
   * @param codec the codec's name as configured, for messages (e.g. {@code float-vector})
   * @param inputLength the input vector's length; null or below 1 fails the deploy
   * @param location one version's model file or folder ({@code classpath:...} or a path); null to
   *     deploy every version under the repository root
   * @param version the version at {@code location}; null without a location
   * @param engine the DJL engine; null for the runtime's default
   * @param replicas replicas per version; null for the runtime's default (a replica per core for a
   *     PyTorch or ONNX Runtime model on the CPU, else one)
   * @param device {@code auto} or {@code cpu}
   * @param batchSize the most calls one engine call computes; 1 turns batching off
   * @param batchDelay how long a worker may wait to fill a batch
   * @param queueCapacity calls that may wait per version
   * @param cache whether answers are cached per version
   * @param cacheMaximumSize entries each version's cache keeps
   * @param warmup whether each replica computes an all-zero input before the version serves
   */
  public record DeclaredModel(
      String codec,
      @Nullable Integer inputLength,
      @Nullable String location,
      @Nullable String version,
      @Nullable String engine,
      @Nullable Integer replicas,
      String device,
      int batchSize,
      Duration batchDelay,
      int queueCapacity,
      boolean cache,
      long cacheMaximumSize,
      boolean warmup) {}

  private final ModelRuntime runtime;
  private final @Nullable ModelAdmin admin;
  private final @Nullable Path root;
  private final Function<Path, ModelSource> folders;
  private final boolean signedOnly;
  private final ClassLoader classLoader;
  private final Function<String, Path> paths;

  private StartupDeployer(Builder b) {
    this.runtime = b.runtime;
    this.admin = b.admin;
    this.root = b.root;
    this.folders = b.folders;
    this.signedOnly = b.signedOnly;
    this.classLoader = b.classLoader;
    this.paths = b.paths;
  }

  /** A deployer onto {@code runtime}. */
  public static Builder builder(ModelRuntime runtime) {
    return new Builder(runtime);
  }

  /**
   * Deploys {@code specs}, then {@code models}, then sets {@code aliases} (model name, alias name,
   * target: {@code "2.0.0"} or {@code "1.0.0=90,2.0.0=10"}).
   *
   * @throws RuntimeException the first failure, naming the property
   */
  public void deploy(
      List<? extends ModelSpec<?, ?>> specs,
      Map<String, DeclaredModel> models,
      Map<String, ? extends Map<String, String>> aliases) {
    for (ModelSpec<?, ?> spec : specs) {
      deploy(spec);
      LOG.info("maasdk: deployed {}@{} (ModelSpec bean)", spec.name(), spec.version());
    }
    models.forEach(this::deployDeclared);
    aliases.forEach(
        (model, byAlias) ->
            byAlias.forEach(
                (alias, target) -> {
                  String property = "maasdk.aliases." + model + "." + alias;
                  if (runtime.deployments().stream().noneMatch(d -> d.modelName().equals(model))) {
                    throw new IllegalStateException(
                        property
                            + " names model "
                            + model
                            + ", which is not deployed; deployed models: "
                            + runtime.deployments().stream()
                                .map(d -> d.modelName())
                                .distinct()
                                .sorted()
                                .toList());
                  }
                  AliasTarget t = parseTarget(property, target);
                  try {
                    if (admin != null) {
                      admin.setAlias(model, alias, t);
                    } else {
                      runtime.setAlias(model, alias, t);
                    }
                  } catch (RuntimeException e) {
                    throw new IllegalStateException(
                        property + "=" + target + ": " + e.getMessage(), e);
                  }
                  LOG.info("maasdk: alias {}:{} -> {}", model, alias, target);
                }));
  }

  /**
   * An alias target as configured: {@code "2.0.0"} or {@code "1.0.0=90,2.0.0=10"}.
   *
   * @param property the property it came from, for the message
   * @throws IllegalStateException naming the property if it is neither
   */
  public static AliasTarget parseTarget(String property, String text) {
    try {
      String t = text.trim();
      if (!t.contains("=")) {
        return AliasTarget.of(Version.parse(t));
      }
      Map<Version, Integer> weights = new LinkedHashMap<>();
      for (String part : t.split(",")) {
        String[] kv = part.trim().split("=", 2);
        if (kv.length != 2) {
          throw new IllegalArgumentException("'" + part.trim() + "' is not version=weight");
        }
        weights.put(Version.parse(kv[0].trim()), Integer.parseInt(kv[1].trim()));
      }
      return AliasTarget.split(weights);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          property
              + "="
              + text
              + " is not a version (2.0.0) nor a"
              + " weighted split (1.0.0=90,2.0.0=10): "
              + e.getMessage(),
          e);
    }
  }

  private void deploy(ModelSpec<?, ?> spec) {
    if (admin != null) {
      admin.deploy(spec);
    } else {
      runtime.deploy(spec);
    }
  }

  private void deployDeclared(String name, DeclaredModel m) {
    String prefix = "maasdk.models." + name;
    ModelSpec.Builder<float[], float[]> template = template(name, prefix, m);
    if (m.location() != null) {
      if (m.version() == null) {
        throw new IllegalStateException(
            prefix
                + ".location is set to "
                + m.location()
                + " but "
                + prefix
                + ".version is not: say which version that file is (e.g. 1.0.0)");
      }
      Version v = version(prefix + ".version", m.version());
      deploy(template.version(v).source(source(prefix, m.location())).build());
      LOG.info("maasdk: deployed {}@{} from {}", name, v, m.location());
      return;
    }
    if (m.version() != null) {
      throw new IllegalStateException(
          prefix
              + ".version is set but "
              + prefix
              + ".location is"
              + " not: versions under maasdk.repository.root come from their folder names");
    }
    if (root == null) {
      throw new IllegalStateException(
          "model "
              + name
              + " is declared under "
              + prefix
              + " without a location, and maasdk.repository.root is not set: set "
              + prefix
              + ".location (and .version) or maasdk.repository.root");
    }
    ModelRepository.Listing listing;
    try {
      listing = ModelRepository.at(root).scan(name);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          prefix + " (maasdk.repository.root=" + root + "): " + e.getMessage(), e);
    }
    if (listing.versions().isEmpty()) {
      throw new IllegalStateException(
          prefix
              + ": model "
              + name
              + " has no version folder under"
              + " maasdk.repository.root ("
              + root.resolve(name)
              + "; expected <version>/model file,"
              + " e.g. 1.0.0/model.pt); skipped: "
              + listing.skipped());
    }
    for (Version v : listing.versions().keySet()) {
      Path folder = root.resolve(name).resolve(v.toString());
      deploy(template.forVersion(v, folders.apply(folder)).build());
    }
    LOG.info(
        "maasdk: deployed {} versions {} from {}",
        name,
        listing.versions().keySet(),
        root.resolve(name));
  }

  private static Version version(String property, String text) {
    try {
      return Version.parse(text);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          property + "=" + text + " is not a version (e.g. 1.0.0): " + e.getMessage(), e);
    }
  }

  private static ModelSpec.Builder<float[], float[]> template(
      String name, String prefix, DeclaredModel m) {
    if (m.inputLength() == null || m.inputLength() < 1) {
      throw new IllegalStateException(
          "model "
              + name
              + " uses the "
              + m.codec()
              + " codec, which needs "
              + prefix
              + ".input-length (a positive vector length), was "
              + (m.inputLength() == null ? "unset" : m.inputLength()));
    }
    int length = m.inputLength();
    ModelSpec.Builder<float[], float[]> b =
        ModelSpec.builder(name, float[].class, float[].class)
            .translator(Codecs.floatVector(length))
            .devicePolicy(device(prefix, m.device()))
            .queueCapacity(m.queueCapacity());
    if (m.engine() != null) {
      b.engine(m.engine());
    }
    if (m.replicas() != null) {
      b.replicas(m.replicas());
    }
    if (m.batchSize() > 1) {
      b.batching(BatchingPolicy.of(m.batchSize(), m.batchDelay()));
    }
    if (m.cache()) {
      b.cachePolicy(CachePolicy.builder().maximumSize(m.cacheMaximumSize()).build());
    }
    if (m.warmup()) {
      b.warmup(new float[length]);
    }
    return b;
  }

  private static DevicePolicy device(String prefix, String device) {
    switch (device) {
      case "auto":
        return DevicePolicy.ofDefaults();
      case "cpu":
        return DevicePolicy.cpu();
      default:
        throw new IllegalStateException(
            prefix + ".device must be auto or cpu, was '" + device + "'");
    }
  }

  private ModelSource source(String prefix, String location) {
    if (signedOnly) {
      Path dir = path(prefix, location);
      if (!Files.isDirectory(dir)) {
        throw new IllegalStateException(
            prefix
                + ".location "
                + location
                + " must be a signed"
                + " model folder (manifest.json and manifest.sig): maasdk.security.trusted-keys"
                + " requires signed models");
      }
      return folders.apply(dir);
    }
    if (location.startsWith(CLASSPATH)) {
      String path = location.substring(CLASSPATH.length());
      while (path.startsWith("/")) {
        path = path.substring(1);
      }
      if (classLoader.getResource(path) == null) {
        throw new IllegalStateException(
            prefix + ".location " + location + " is not on the classpath");
      }
      return ModelSource.classpath(path, classLoader);
    }
    Path path = path(prefix, location);
    if (Files.isDirectory(path)) {
      return folders.apply(path);
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(
          prefix + ".location " + location + " does not exist (" + path.toAbsolutePath() + ")");
    }
    return ModelSource.file(path);
  }

  private Path path(String prefix, String location) {
    try {
      return paths.apply(location);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          prefix
              + ".location "
              + location
              + " is neither a classpath: location nor a file or folder on disk",
          e);
    }
  }

  /** Configures a {@link StartupDeployer}. */
  public static final class Builder {
    private final ModelRuntime runtime;
    private @Nullable ModelAdmin admin;
    private @Nullable Path root;
    private Function<Path, ModelSource> folders = ModelSource::directory;
    private boolean signedOnly;
    private ClassLoader classLoader = StartupDeployer.class.getClassLoader();
    private Function<String, Path> paths = Path::of;

    private Builder(ModelRuntime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /** Deploys and sets aliases through this admin (the integration's own credentials). */
    public Builder admin(@Nullable ModelAdmin admin) {
      this.admin = admin;
      return this;
    }

    /** {@code maasdk.repository.root}: {@code <root>/<model>/<version>/<model file>}. */
    public Builder repositoryRoot(@Nullable Path root) {
      this.root = root;
      return this;
    }

    /** How a model folder is opened; default {@link ModelSource#directory}. */
    public Builder folders(Function<Path, ModelSource> folders) {
      this.folders = Objects.requireNonNull(folders, "folders");
      return this;
    }

    /**
     * Whether every location must be a (signed) folder on disk, opened with {@link #folders}:
     * single files are refused, and {@code classpath:} locations unless {@link #paths} makes a
     * folder of them.
     */
    public Builder signedOnly(boolean signedOnly) {
      this.signedOnly = signedOnly;
      return this;
    }

    /** Where {@code classpath:} locations are found; default this class's loader. */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
      return this;
    }

    /**
     * How any other location becomes a path (it may throw to say it is none); default {@link
     * Path#of(String, String...)}.
     */
    public Builder paths(Function<String, Path> paths) {
      this.paths = Objects.requireNonNull(paths, "paths");
      return this;
    }

    /** The deployer. */
    public StartupDeployer build() {
      return new StartupDeployer(this);
    }
  }
}
