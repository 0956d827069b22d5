package io.maasdk.spring.boot.autoconfigure;

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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ResourceUtils;

/**
 * Deploys what the application declared, in this order: every {@link ModelSpec} bean, every model
 * under {@code maasdk.models}, then the aliases under {@code maasdk.aliases}. Any failure is thrown
 * (the caller closes the runtime), with a message naming the model, the version and the property.
 * Used once, on the thread creating the runtime bean.
 */
final class StartupDeployer {
  private static final Logger LOG = LoggerFactory.getLogger(StartupDeployer.class);

  private final ModelRuntime runtime;
  private final MaasdkProperties properties;
  private final ResourceLoader resources;
  private final FolderSources folders;
  /** The starter's own credentials (maasdk.security.access.admin-api-key), or null. */
  private final io.maasdk.ModelAdmin admin;

  StartupDeployer(ModelRuntime runtime, MaasdkProperties properties, ResourceLoader resources,
      FolderSources folders) {
    this.runtime = runtime;
    this.admin = admin(runtime, properties);
    this.properties = properties;
    this.resources = resources;
    this.folders = folders;
  }

  /** Management as the starter's admin principal when an admin key is set, else as nobody. */
  static io.maasdk.ModelAdmin admin(ModelRuntime runtime, MaasdkProperties properties) {
    String key = properties.getSecurity().getAccess().getAdminApiKey();
    return key == null ? null : runtime.admin(key);
  }

  private void deploy(ModelSpec<?, ?> spec) {
    if (admin != null) {
      admin.deploy(spec);
    } else {
      runtime.deploy(spec);
    }
  }

  void deploy(List<ModelSpec<?, ?>> specs) {
    for (ModelSpec<?, ?> spec : specs) {
      deploy(spec);
      LOG.info("maasdk: deployed {}@{} (ModelSpec bean)", spec.name(), spec.version());
    }
    properties.getModels().forEach(this::deployFromProperties);
    properties.getAliases().forEach((model, aliases) -> aliases.forEach((alias, target) -> {
      if (admin != null) {
        admin.setAlias(model, alias, parseTarget(model, alias, target));
      } else {
        runtime.setAlias(model, alias, parseTarget(model, alias, target));
      }
      LOG.info("maasdk: alias {}:{} -> {}", model, alias, target);
    }));
  }

  private void deployFromProperties(String name, MaasdkProperties.Model m) {
    String prefix = "maasdk.models." + name;
    ModelSpec.Builder<float[], float[]> template = template(name, prefix, m);
    if (m.getLocation() != null) {
      if (m.getVersion() == null) {
        throw new IllegalStateException(prefix + ".location is set to " + m.getLocation()
            + " but " + prefix + ".version is not: say which version that file is (e.g. 1.0.0)");
      }
      Version v = Version.parse(m.getVersion());
      deploy(template.version(v).source(source(prefix, m.getLocation())).build());
      LOG.info("maasdk: deployed {}@{} from {}", name, v, m.getLocation());
      return;
    }
    Path root = properties.getRepository().getRoot();
    if (root == null) {
      throw new IllegalStateException("model " + name + " is declared under " + prefix
          + " without a location, and maasdk.repository.root is not set: set " + prefix
          + ".location (and .version) or maasdk.repository.root");
    }
    ModelRepository.Listing listing = ModelRepository.at(root).scan(name);
    if (listing.versions().isEmpty()) {
      throw new IllegalStateException("model " + name + ": no version folder under "
          + root.resolve(name) + " (expected <version>/model file, e.g. 1.0.0/model.pt); skipped: "
          + listing.skipped());
    }
    for (Version v : listing.versions().keySet()) {
      Path folder = root.resolve(name).resolve(v.toString());
      deploy(template.forVersion(v, folders.open(folder)).build());
    }
    LOG.info("maasdk: deployed {} versions {} from {}", name, listing.versions().keySet(),
        root.resolve(name));
  }

  private static ModelSpec.Builder<float[], float[]> template(
      String name, String prefix, MaasdkProperties.Model m) {
    if (m.getInputLength() == null || m.getInputLength() < 1) {
      throw new IllegalStateException("model " + name + " uses the " + codecName(m.getCodec())
          + " codec, which needs " + prefix + ".input-length (a positive vector length), was "
          + m.getInputLength());
    }
    int length = m.getInputLength();
    ModelSpec.Builder<float[], float[]> b = ModelSpec.builder(name, float[].class, float[].class)
        .translator(Codecs.floatVector(length))
        .replicas(m.getReplicas())
        .devicePolicy(device(prefix, m.getDevice()))
        .queueCapacity(m.getQueueCapacity());
    if (m.getEngine() != null) {
      b.engine(m.getEngine());
    }
    if (m.getBatchSize() > 1) {
      b.batching(BatchingPolicy.of(m.getBatchSize(), m.getBatchDelay()));
    }
    if (m.isCache()) {
      b.cachePolicy(CachePolicy.builder().maximumSize(m.getCacheMaximumSize()).build());
    }
    if (m.isWarmup()) {
      b.warmup(new float[length]);
    }
    return b;
  }

  private static String codecName(MaasdkProperties.Codec codec) {
    return codec.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
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
    if (!folders.allowsUnsignedLocations()) {
      Path dir = path(prefix, location);
      if (!Files.isDirectory(dir)) {
        throw new IllegalStateException(prefix + ".location " + location + " must be a signed"
            + " model folder (manifest.json and manifest.sig): maasdk.security.trusted-keys"
            + " requires signed models");
      }
      return folders.open(dir);
    }
    if (location.startsWith(ResourceUtils.CLASSPATH_URL_PREFIX)) {
      String path = location.substring(ResourceUtils.CLASSPATH_URL_PREFIX.length());
      while (path.startsWith("/")) {
        path = path.substring(1);
      }
      ClassLoader loader = resources.getClassLoader();
      if (loader == null || loader.getResource(path) == null) {
        throw new IllegalStateException(prefix + ".location " + location
            + " is not on the classpath");
      }
      return ModelSource.classpath(path, loader);
    }
    Path path = path(prefix, location);
    if (Files.isDirectory(path)) {
      return folders.open(path);
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(prefix + ".location " + location + " does not exist ("
          + path.toAbsolutePath() + ")");
    }
    return ModelSource.file(path);
  }

  private Path path(String prefix, String location) {
    try {
      Resource r = resources.getResource(location);
      return r.getFile().toPath();
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalStateException(prefix + ".location " + location
          + " is neither a classpath: location nor a file or folder on disk", e);
    }
  }

  /** {@code "2.0.0"} or {@code "1.0.0=90,2.0.0=10"}. */
  static AliasTarget parseTarget(String model, String alias, String text) {
    String property = "maasdk.aliases." + model + "." + alias;
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
