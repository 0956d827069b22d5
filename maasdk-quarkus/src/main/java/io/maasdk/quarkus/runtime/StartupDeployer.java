package io.maasdk.quarkus.runtime;

import io.maasdk.AliasTarget;
import io.maasdk.BatchingPolicy;
import io.maasdk.CachePolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Deploys what the application declared, in this order: every {@link ModelSpec} bean, every model
 * under {@code maasdk.models}, then the aliases under {@code maasdk.aliases}. Any failure is thrown
 * (the caller closes the runtime), with a message naming the model, the version and the property.
 * Used once, on the thread creating the runtime bean.
 */
final class StartupDeployer {
  private static final Logger LOG = Logger.getLogger(StartupDeployer.class);
  private static final String CLASSPATH = "classpath:";

  private final ModelRuntime runtime;
  private final MaasdkConfig config;
  private final Function<Path, ModelSource> folders;
  private final boolean signedOnly;

  /**
   * @param folders how a model folder is opened (verified when signatures are required)
   * @param signedOnly whether single files and classpath locations are refused
   */
  StartupDeployer(ModelRuntime runtime, MaasdkConfig config, Function<Path, ModelSource> folders,
      boolean signedOnly) {
    this.runtime = runtime;
    this.config = config;
    this.folders = folders;
    this.signedOnly = signedOnly;
  }

  void deploy(List<ModelSpec<?, ?>> specs) {
    for (ModelSpec<?, ?> spec : specs) {
      runtime.deploy(spec);
      LOG.infof("maasdk: deployed %s@%s (ModelSpec bean)", spec.name(), spec.version());
    }
    config.models().forEach(this::deployFromConfig);
    config.aliases().forEach((model, aliases) -> aliases.forEach((alias, target) -> {
      String property = "maasdk.aliases." + model + "." + alias;
      if (runtime.deployments().stream().noneMatch(d -> d.modelName().equals(model))) {
        throw new IllegalStateException(property + " names model " + model
            + ", which is not deployed; deployed models: " + deployedModels());
      }
      AliasTarget t = parseTarget(property, target);
      try {
        runtime.setAlias(model, alias, t);
      } catch (RuntimeException e) {
        throw new IllegalStateException(property + "=" + target + ": " + e.getMessage(), e);
      }
      LOG.infof("maasdk: alias %s:%s -> %s", model, alias, target);
    }));
  }

  private List<String> deployedModels() {
    return runtime.deployments().stream().map(d -> d.modelName()).distinct().sorted().toList();
  }

  private void deployFromConfig(String name, MaasdkConfig.Model m) {
    String prefix = "maasdk.models." + name;
    ModelSpec.Builder<float[], float[]> template = template(name, prefix, m);
    if (m.location().isPresent()) {
      String location = m.location().get();
      if (m.version().isEmpty()) {
        throw new IllegalStateException(prefix + ".location is set to " + location + " but "
            + prefix + ".version is not: say which version that file is (e.g. 1.0.0)");
      }
      Version v = version(prefix + ".version", m.version().get());
      runtime.deploy(template.version(v).source(source(prefix, location)).build());
      LOG.infof("maasdk: deployed %s@%s from %s", name, v, location);
      return;
    }
    if (m.version().isPresent()) {
      throw new IllegalStateException(prefix + ".version is set but " + prefix + ".location is"
          + " not: versions under maasdk.repository.root come from their folder names");
    }
    Path root = config.repository().root().orElseThrow(() -> new IllegalStateException(
        "model " + name + " is declared under " + prefix + " without a location, and"
            + " maasdk.repository.root is not set: set " + prefix + ".location (and .version) or"
            + " maasdk.repository.root"));
    ModelRepository.Listing listing;
    try {
      listing = ModelRepository.at(root).scan(name);
    } catch (RuntimeException e) {
      throw new IllegalStateException(prefix + " (maasdk.repository.root=" + root + "): "
          + e.getMessage(), e);
    }
    if (listing.versions().isEmpty()) {
      throw new IllegalStateException(prefix + ": model " + name + " has no version folder under"
          + " maasdk.repository.root (" + root.resolve(name) + "; expected <version>/model file,"
          + " e.g. 1.0.0/model.pt); skipped: " + listing.skipped());
    }
    for (Version v : listing.versions().keySet()) {
      Path folder = root.resolve(name).resolve(v.toString());
      runtime.deploy(template.forVersion(v, folders.apply(folder)).build());
    }
    LOG.infof("maasdk: deployed %s versions %s from %s", name, listing.versions().keySet(),
        root.resolve(name));
  }

  private static Version version(String property, String text) {
    try {
      return Version.parse(text);
    } catch (RuntimeException e) {
      throw new IllegalStateException(property + "=" + text + " is not a version (e.g. 1.0.0): "
          + e.getMessage(), e);
    }
  }

  private static ModelSpec.Builder<float[], float[]> template(
      String name, String prefix, MaasdkConfig.Model m) {
    if (m.inputLength().isEmpty() || m.inputLength().getAsInt() < 1) {
      throw new IllegalStateException("model " + name + " uses the "
          + m.codec().name().toLowerCase(Locale.ROOT).replace('_', '-') + " codec, which needs "
          + prefix + ".input-length (a positive vector length), was "
          + (m.inputLength().isPresent() ? m.inputLength().getAsInt() : "unset"));
    }
    int length = m.inputLength().getAsInt();
    ModelSpec.Builder<float[], float[]> b = ModelSpec.builder(name, float[].class, float[].class)
        .translator(Codecs.floatVector(length))
        .replicas(m.replicas())
        .devicePolicy(device(prefix, m.device()))
        .queueCapacity(m.queueCapacity());
    m.engine().ifPresent(b::engine);
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
    if (location.startsWith(CLASSPATH)) {
      if (signedOnly) {
        throw new IllegalStateException(prefix + ".location " + location + " must be a signed"
            + " model folder (manifest.json and manifest.sig): maasdk.security.trusted-keys"
            + " requires signed models");
      }
      String path = location.substring(CLASSPATH.length());
      while (path.startsWith("/")) {
        path = path.substring(1);
      }
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      if (loader == null || loader.getResource(path) == null) {
        throw new IllegalStateException(prefix + ".location " + location
            + " is not on the classpath");
      }
      return ModelSource.classpath(path, loader);
    }
    Path path = Path.of(location);
    if (Files.isDirectory(path)) {
      return folders.apply(path);
    }
    if (signedOnly) {
      throw new IllegalStateException(prefix + ".location " + location + " must be a signed"
          + " model folder (manifest.json and manifest.sig): maasdk.security.trusted-keys"
          + " requires signed models");
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(prefix + ".location " + location + " does not exist ("
          + path.toAbsolutePath() + ")");
    }
    return ModelSource.file(path);
  }

  /** {@code "2.0.0"} or {@code "1.0.0=90,2.0.0=10"}. */
  static AliasTarget parseTarget(String property, String text) {
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
      throw new IllegalStateException(property + "=" + text + " is not a version (2.0.0) nor a"
          + " weighted split (1.0.0=90,2.0.0=10): " + e.getMessage(), e);
    }
  }
}
