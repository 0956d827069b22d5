package io.maasdk.quarkus.runtime;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code maasdk.*} configuration: the runtime, the models deployed at startup and their
 * aliases. Read once, when the runtime bean is created at startup.
 *
 * <pre>
 * maasdk.repository.root=/models                    # holds digits/1.0.0/model.pt, digits/2.0.0/…
 * maasdk.models.digits.input-length=64              # float32[64] in, float32[] out
 * maasdk.aliases.digits.stable=2.0.0
 * maasdk.aliases.digits.canary=1.0.0=90,2.0.0=10    # a weighted split
 * </pre>
 */
@ConfigMapping(prefix = "maasdk")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface MaasdkConfig {

  /**
   * How long closing the runtime (at application shutdown) waits for admitted calls before
   * failing the rest.
   */
  @WithDefault("10s")
  Duration drainTimeout();

  /** The DJL engine for models that name none. */
  @WithDefault("PyTorch")
  String defaultEngine();

  /** How many moves each alias keeps in its history and rollback stack. */
  @WithDefault("256")
  int aliasHistoryLimit();

  /**
   * Whether building the runtime keeps DJL offline and untracked (sets ai.djl.offline and
   * ai.djl.disable_usage_tracking unless already set).
   */
  @WithDefault("true")
  boolean djlOffline();

  /** Where models declared under maasdk.models are found. */
  Repository repository();

  /** Models to deploy at startup, by name, with the built-in codecs. */
  Map<String, Model> models();

  /**
   * Aliases to set once every model is deployed: model name, then alias name, then the target: a
   * version ("2.0.0") or a weighted split ("1.0.0=90,2.0.0=10").
   */
  Map<String, Map<String, String>> aliases();

  /** maasdk-metrics: bound to Micrometer when it and quarkus-micrometer are present. */
  Metrics metrics();

  /** maasdk-security, when it is on the classpath. */
  Security security();

  /** A model repository: {@code <root>/<model>/<version>/<model file>}. */
  interface Repository {
    /**
     * Root folder of the model repository, laid out root/model-name/version/model-file. Every
     * version found there of a model declared under maasdk.models is deployed.
     */
    Optional<Path> root();
  }

  /** The built-in codecs a model can be declared with. */
  enum Codec {
    /** float32[input-length] in, float32[] out ({@code Codecs.floatVector}). */
    FLOAT_VECTOR
  }

  /** One model declared in configuration. */
  interface Model {
    /** The codec: how inputs and outputs map to tensors. */
    @WithDefault("float-vector")
    Codec codec();

    /** The input vector's length (float-vector codec); required. */
    OptionalInt inputLength();

    /**
     * One version's model file or folder: "classpath:models/x.pt" or a path; needs version.
     * Without it, every version of this model under maasdk.repository.root is deployed.
     */
    Optional<String> location();

    /** The version deployed from location. */
    Optional<String> version();

    /** The DJL engine; default maasdk.default-engine. */
    Optional<String> engine();

    /** Replicas per version, each with its own predictor and worker thread. */
    @WithDefault("1")
    int replicas();

    /** Where replicas go: "auto" (GPUs if any, else the CPU) or "cpu". */
    @WithDefault("auto")
    String device();

    /** The most calls one engine call computes together; 1 turns batching off. */
    @WithDefault("1")
    int batchSize();

    /** How long a worker may wait for more calls to fill a batch. */
    @WithDefault("2ms")
    Duration batchDelay();

    /** Calls that may wait per version before new ones are refused. */
    @WithDefault("1000")
    int queueCapacity();

    /** Whether answers are cached per version. */
    @WithDefault("false")
    boolean cache();

    /** Entries each version's response cache keeps, when cache is on. */
    @WithDefault("10000")
    long cacheMaximumSize();

    /**
     * Whether each replica computes an all-zero input before the version serves (verifies it on
     * its device at startup).
     */
    @WithDefault("true")
    boolean warmup();
  }

  /** maasdk-metrics. */
  interface Metrics {
    /**
     * Tag meters with the tenant for the first this-many tenants (later ones are tagged "other");
     * 0 leaves the tag off.
     */
    @WithDefault("0")
    int tenantTag();
  }

  /** maasdk-security. */
  interface Security {
    /**
     * The trusted public keyset file (as {@code maasdk keys create --public-out} writes it): when
     * set, only models signed by these keys deploy, and models under maasdk.models load from
     * signed folders. Public keys only; never a private or secret keyset.
     */
    Optional<Path> trustedKeys();
  }
}
