package io.maasdk.quarkus.runtime;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The {@code maasdk.*} configuration: the runtime, the models deployed at startup and their
 * aliases, and (with maasdk-metrics) metering, quotas and prices. Read once, when the runtime bean
 * is created at startup.
 *
 * <pre>
 * maasdk.repository.root=/models                    # holds digits/1.0.0/model.pt, digits/2.0.0/…
 * maasdk.models.digits.input-length=64              # float32[64] in, float32[] out
 * maasdk.aliases.digits.stable=2.0.0
 * maasdk.aliases.digits.canary=1.0.0=90,2.0.0=10    # a weighted split
 * maasdk.metering.ledger-dir=/var/lib/app/ledger    # one usage record per call
 * maasdk.quotas.tenants.free-co.unit-budget=10000   # per month
 * </pre>
 */
@ConfigMapping(prefix = "maasdk")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface MaasdkConfig {

  /**
   * How long closing the runtime (at application shutdown) waits for admitted calls before failing
   * the rest.
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

  /** Metering into a durable usage ledger (maasdk-metrics). */
  Metering metering();

  /** Per-tenant quotas (maasdk-metrics): rate limits and budgets, enforced before a call queues. */
  Quotas quotas();

  /** The price plan money budgets are counted in (maasdk-metrics' PricePlan). */
  Pricing pricing();

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
     * One version's model file or folder: "classpath:models/x.pt" or a path; needs version. Without
     * it, every version of this model under maasdk.repository.root is deployed.
     */
    Optional<String> location();

    /** The version deployed from location. */
    Optional<String> version();

    /** The DJL engine; default maasdk.default-engine. */
    Optional<String> engine();

    /**
     * Replicas per version, each with its own predictor and worker thread; unset: the runtime's
     * default (a replica per core for a PyTorch or ONNX Runtime model on the CPU, else one).
     */
    OptionalInt replicas();

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
     * Whether each replica computes an all-zero input before the version serves (verifies it on its
     * device at startup).
     */
    @WithDefault("true")
    boolean warmup();
  }

  /** maasdk-metrics. */
  interface Metrics {
    /**
     * Tag meters with the tenant for the first this-many tenants (later ones are tagged "other"); 0
     * leaves the tag off.
     */
    @WithDefault("0")
    int tenantTag();
  }

  /** maasdk-security. */
  interface Security {
    /**
     * The trusted public keyset file (as {@code maasdk keys create --public-out} writes it): when
     * set, only models signed by these keys deploy, and models under maasdk.models load from signed
     * folders. Public keys only; never a private or secret keyset.
     */
    Optional<Path> trustedKeys();
  }

  /** How a model's units are counted, for metering records and quotas. */
  enum Meter {
    /** One unit per call ({@code UsageMeter.perCall()}). */
    PER_CALL,
    /** One unit per item of a batch input ({@code UsageMeter.items()}). */
    ITEMS,
    /** One unit per byte of input ({@code UsageMeter.inputBytes()}). */
    INPUT_BYTES
  }

  /** When the ledger forces records to the storage device ({@code FsyncPolicy}). */
  enum Fsync {
    /** Every batch of records before the write returns. */
    ALWAYS,
    /** At most maasdk.metering.fsync-interval after a write, and on flush. */
    EVERY,
    /** Only on flush and close. */
    NEVER
  }

  /**
   * Metering into a durable usage ledger (maasdk-metrics): one usage record per call, written to
   * the ledger folder.
   */
  interface Metering {
    /** Whether to meter calls when maasdk.metering.ledger-dir is set. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Folder of the usage ledger (created if absent): one usage record per call. Unset, there is no
     * metering.
     */
    Optional<Path> ledgerDir();

    /** When the ledger fsyncs: always, every (fsync-interval) or never. */
    @WithDefault("every")
    Fsync fsync();

    /** The longest a written record waits for its fsync, with fsync=every. */
    @WithDefault("100ms")
    Duration fsyncInterval();

    /**
     * Whether a call's result is released only once its usage record is written and fsynced (use
     * with fsync=always); otherwise records are written asynchronously.
     */
    @WithDefault("false")
    boolean durable();

    /** Records that may wait for the ledger writer before calls block, then drop them. */
    @WithDefault("65536")
    int bufferCapacity();

    /** How long a call may wait for room in a full buffer before its record is dropped. */
    @WithDefault("5ms")
    Duration offerTimeout();

    /**
     * How units are counted per model-name pattern ("*" a wildcard, e.g.
     * maasdk.metering.meters."digits-*"=items); the most specific pattern wins (names without "*"
     * first, then the longest). Models matching none count one unit per call.
     */
    Map<String, Meter> meters();
  }

  /** Per-tenant quotas (maasdk-metrics): rate limits and budgets, enforced before a call queues. */
  interface Quotas {
    /** Whether to enforce the quotas declared under maasdk.quotas. */
    @WithDefault("true")
    boolean enabled();

    /** Limits of tenants not named under maasdk.quotas.tenants; unset, they are not limited. */
    Quota defaults();

    /** Limits per tenant, by tenant name. */
    Map<String, Quota> tenants();

    /**
     * Whether budgets start from what the ledger (maasdk.metering.ledger-dir) records as spent in
     * the current period, so a restart does not reset a tenant's spend.
     */
    @WithDefault("true")
    boolean restoreFromLedger();

    /** The zone in which daily and monthly budget periods start. */
    @WithDefault("UTC")
    String zone();
  }

  /** One tenant's limits; every limit is optional. */
  interface Quota {
    /** Calls per second, sustained (a token bucket). */
    OptionalDouble requestsPerSecond();

    /** Calls at once above the sustained rate; default the rate rounded up. */
    OptionalLong requestBurst();

    /** Units per second, sustained. */
    OptionalDouble unitsPerSecond();

    /** Units at once above the sustained rate; default the rate rounded up. */
    OptionalLong unitBurst();

    /** Units per budget-period. */
    OptionalLong unitBudget();

    /**
     * Money per budget-period, at the prices of maasdk.pricing (free units not deducted, so the
     * budget is never exceeded).
     */
    Optional<BigDecimal> moneyBudget();

    /** The calendar period of unit-budget and money-budget: day or month. */
    @WithDefault("month")
    String budgetPeriod();
  }

  /** The price plan money budgets are counted in (maasdk-metrics' PricePlan). */
  interface Pricing {
    /** The plan's name. */
    @WithDefault("default")
    String name();

    /** ISO 4217 currency code, e.g. EUR; setting it defines the plan. */
    Optional<String> currency();

    /**
     * Price per 1,000 units by model-name pattern ("*" a wildcard, e.g.
     * maasdk.pricing.prices."digits-*"=0.40); the most specific pattern wins, as for
     * maasdk.metering.meters.
     */
    Map<String, BigDecimal> prices();

    /** Price per 1,000 units of models no pattern matches; unset, they are not billed. */
    Optional<BigDecimal> defaultPrice();

    /** Units each tenant may use per period before billing starts. */
    @WithDefault("0")
    long freeUnitsPerPeriod();

    /** Whether answers served from the response cache are billed. */
    @WithDefault("true")
    boolean billCacheHits();
  }
}
