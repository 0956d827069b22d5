package io.maasdk.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code maasdk.*} properties: the runtime, the models to deploy at startup and their aliases.
 *
 * <pre>
 * maasdk.repository.root=/models                    # holds digits/1.0.0/model.pt, digits/2.0.0/…
 * maasdk.models.digits.input-length=64              # float32[64] in, float32[] out
 * maasdk.models.digits.replicas=2
 * maasdk.aliases.digits.stable=2.0.0
 * maasdk.aliases.digits.canary=1.0.0=90,2.0.0=10    # a weighted split
 * </pre>
 *
 * <p>Bound once at startup by Spring Boot; not thread-safe, and not read after the runtime is built.
 */
@ConfigurationProperties(prefix = "maasdk")
public class MaasdkProperties {

  /** Whether to auto-configure a maasdk ModelRuntime. */
  private boolean enabled = true;

  /**
   * How long closing the runtime (on application shutdown) waits for admitted calls before failing
   * the rest. The runtime closes after the web server has finished its graceful shutdown, so the
   * default leaves room inside Kubernetes' default 30 s termination grace period.
   */
  private Duration drainTimeout = Duration.ofSeconds(10);

  /** The DJL engine for models that name none. */
  private String defaultEngine = "PyTorch";

  /** How many moves each alias keeps in its history and rollback stack. */
  private int aliasHistoryLimit = 256;

  /**
   * Whether building the runtime keeps DJL offline and untracked (sets ai.djl.offline and
   * ai.djl.disable_usage_tracking unless already set).
   */
  private boolean djlOffline = true;

  /** Where models declared under maasdk.models are found. */
  private final Repository repository = new Repository();

  /** Models to deploy at startup, by name, for the built-in codecs. */
  private Map<String, Model> models = new LinkedHashMap<>();

  /**
   * Aliases to set once every model is deployed: model name, then alias name, then the target: a
   * version ("2.0.0") or a weighted split ("1.0.0=90,2.0.0=10").
   */
  private Map<String, Map<String, String>> aliases = new LinkedHashMap<>();

  private final Metrics metrics = new Metrics();

  private final Endpoint endpoint = new Endpoint();

  private final SpringAi springAi = new SpringAi();

  private final Security security = new Security();

  private final Metering metering = new Metering();

  private final Quotas quotas = new Quotas();

  private final Pricing pricing = new Pricing();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Duration getDrainTimeout() {
    return drainTimeout;
  }

  public void setDrainTimeout(Duration drainTimeout) {
    this.drainTimeout = drainTimeout;
  }

  public String getDefaultEngine() {
    return defaultEngine;
  }

  public void setDefaultEngine(String defaultEngine) {
    this.defaultEngine = defaultEngine;
  }

  public int getAliasHistoryLimit() {
    return aliasHistoryLimit;
  }

  public void setAliasHistoryLimit(int aliasHistoryLimit) {
    this.aliasHistoryLimit = aliasHistoryLimit;
  }

  public boolean isDjlOffline() {
    return djlOffline;
  }

  public void setDjlOffline(boolean djlOffline) {
    this.djlOffline = djlOffline;
  }

  public Repository getRepository() {
    return repository;
  }

  public Map<String, Model> getModels() {
    return models;
  }

  public void setModels(Map<String, Model> models) {
    this.models = models;
  }

  public Map<String, Map<String, String>> getAliases() {
    return aliases;
  }

  public void setAliases(Map<String, Map<String, String>> aliases) {
    this.aliases = aliases;
  }

  public Metrics getMetrics() {
    return metrics;
  }

  public Endpoint getEndpoint() {
    return endpoint;
  }

  public SpringAi getSpringAi() {
    return springAi;
  }

  public Security getSecurity() {
    return security;
  }

  public Metering getMetering() {
    return metering;
  }

  public Quotas getQuotas() {
    return quotas;
  }

  public Pricing getPricing() {
    return pricing;
  }

  /** A model repository: {@code <root>/<model>/<version>/<model file>}. */
  public static class Repository {

    /**
     * Root folder of the model repository, laid out root/model-name/version/model-file. Every
     * version found there of a model declared under maasdk.models is deployed.
     */
    private Path root;

    public Path getRoot() {
      return root;
    }

    public void setRoot(Path root) {
      this.root = root;
    }
  }

  /** The built-in codecs a model can be declared with in properties. */
  public enum Codec {
    /** float32[input-length] in, float32[] out ({@code Codecs.floatVector}). */
    FLOAT_VECTOR
  }

  /** One model declared in properties. */
  public static class Model {

    /** The codec: how inputs and outputs map to tensors. */
    private Codec codec = Codec.FLOAT_VECTOR;

    /** The input vector's length (float-vector codec); required. */
    private Integer inputLength;

    /**
     * One version's model file or folder, as a Spring resource location ("classpath:models/x.pt",
     * "file:/models/x.pt" or a plain path); needs version. Without it, every version of this model
     * under maasdk.repository.root is deployed.
     */
    private String location;

    /** The version deployed from location. */
    private String version;

    /** The DJL engine; default maasdk.default-engine. */
    private String engine;

    /** Replicas per version, each with its own predictor and worker thread. */
    private int replicas = 1;

    /** Where replicas go: "auto" (GPUs if any, else the CPU) or "cpu". */
    private String device = "auto";

    /** The most calls one engine call computes together; 1 turns batching off. */
    private int batchSize = 1;

    /** How long a worker may wait for more calls to fill a batch. */
    private Duration batchDelay = Duration.ofMillis(2);

    /** Calls that may wait per version before new ones are refused. */
    private int queueCapacity = 1000;

    /** Whether answers are cached per version (off by default). */
    private boolean cache = false;

    /** Entries each version's response cache keeps, when cache is on. */
    private long cacheMaximumSize = 10_000;

    /**
     * Whether each replica computes an all-zero input before the version serves: verifies it on its
     * device and gives maasdk a known-good input for judging failures.
     */
    private boolean warmup = true;

    public Codec getCodec() {
      return codec;
    }

    public void setCodec(Codec codec) {
      this.codec = codec;
    }

    public Integer getInputLength() {
      return inputLength;
    }

    public void setInputLength(Integer inputLength) {
      this.inputLength = inputLength;
    }

    public String getLocation() {
      return location;
    }

    public void setLocation(String location) {
      this.location = location;
    }

    public String getVersion() {
      return version;
    }

    public void setVersion(String version) {
      this.version = version;
    }

    public String getEngine() {
      return engine;
    }

    public void setEngine(String engine) {
      this.engine = engine;
    }

    public int getReplicas() {
      return replicas;
    }

    public void setReplicas(int replicas) {
      this.replicas = replicas;
    }

    public String getDevice() {
      return device;
    }

    public void setDevice(String device) {
      this.device = device;
    }

    public int getBatchSize() {
      return batchSize;
    }

    public void setBatchSize(int batchSize) {
      this.batchSize = batchSize;
    }

    public Duration getBatchDelay() {
      return batchDelay;
    }

    public void setBatchDelay(Duration batchDelay) {
      this.batchDelay = batchDelay;
    }

    public int getQueueCapacity() {
      return queueCapacity;
    }

    public void setQueueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
    }

    public boolean isCache() {
      return cache;
    }

    public void setCache(boolean cache) {
      this.cache = cache;
    }

    public long getCacheMaximumSize() {
      return cacheMaximumSize;
    }

    public void setCacheMaximumSize(long cacheMaximumSize) {
      this.cacheMaximumSize = cacheMaximumSize;
    }

    public boolean isWarmup() {
      return warmup;
    }

    public void setWarmup(boolean warmup) {
      this.warmup = warmup;
    }
  }

  /** maasdk-metrics, when it and Micrometer are on the classpath. */
  public static class Metrics {

    /** Whether to bind maasdk's meters to the application's MeterRegistry. */
    private boolean enabled = true;

    /**
     * Tag meters with the tenant for the first this-many tenants (later ones are tagged "other");
     * 0 leaves the tag off.
     */
    private int tenantTag = 0;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public int getTenantTag() {
      return tenantTag;
    }

    public void setTenantTag(int tenantTag) {
      this.tenantTag = tenantTag;
    }
  }

  /** The Actuator endpoint {@code /actuator/maasdk}. */
  public static class Endpoint {

    /** How many alias moves the endpoint lists per alias (newest last). */
    private int historyLimit = 20;

    public int getHistoryLimit() {
      return historyLimit;
    }

    public void setHistoryLimit(int historyLimit) {
      this.historyLimit = historyLimit;
    }
  }

  /** Spring AI adapters, when Spring AI is on the classpath. */
  public static class SpringAi {

    private final Embedding embedding = new Embedding();

    public Embedding getEmbedding() {
      return embedding;
    }

    /** The EmbeddingModel bean. */
    public static class Embedding {

      /**
       * The deployed String-to-float[] model to expose as Spring AI's EmbeddingModel; unset, there
       * is no such bean.
       */
      private String model;

      /** Its version selector: a version, a range, an alias or "latest". */
      private String version = "latest";

      /** The tenant its calls are made as (for quotas, metering and the tenant tag). */
      private String tenant;

      public String getModel() {
        return model;
      }

      public void setModel(String model) {
        this.model = model;
      }

      public String getVersion() {
        return version;
      }

      public void setVersion(String version) {
        this.version = version;
      }

      public String getTenant() {
        return tenant;
      }

      public void setTenant(String tenant) {
        this.tenant = tenant;
      }
    }
  }

  /** maasdk-security, when it is on the classpath. */
  public static class Security {

    /**
     * The trusted public keyset (a Spring resource location, e.g. classpath:keys/signing.pub.json):
     * when set, only models signed by these keys deploy, and models under maasdk.models load from
     * signed folders. Public keys only; never a private or secret keyset.
     */
    private String trustedKeys;

    /**
     * With trusted-keys set: whether every deploy, ModelSpec beans included, must be signed by
     * those keys (RequireSignatures). false verifies only the folders of maasdk.models.
     */
    private boolean requireSignatures = true;

    /**
     * The local master key file (a file: resource or a path) that encrypts the secret keysets
     * below, as maasdk keys create-master writes it; refused if group or others can read it.
     */
    private String masterKey;

    /**
     * DEVELOPMENT ONLY: read the secret keysets below as cleartext (a warning is logged); without
     * it they must be encrypted under master-key.
     */
    private boolean insecureCleartextKeysets = false;

    /**
     * The API-key keyset (KeyPurpose PRF; a Spring resource location), encrypted under master-key:
     * the key that API-key hashes in the access policy were made with.
     */
    private String apiKeyKeyset;

    /** Access control: who may call and manage which models (maasdk-security AccessControl). */
    private final Access access = new Access();

    public String getTrustedKeys() {
      return trustedKeys;
    }

    public void setTrustedKeys(String trustedKeys) {
      this.trustedKeys = trustedKeys;
    }

    public boolean isRequireSignatures() {
      return requireSignatures;
    }

    public void setRequireSignatures(boolean requireSignatures) {
      this.requireSignatures = requireSignatures;
    }

    public String getMasterKey() {
      return masterKey;
    }

    public void setMasterKey(String masterKey) {
      this.masterKey = masterKey;
    }

    public boolean isInsecureCleartextKeysets() {
      return insecureCleartextKeysets;
    }

    public void setInsecureCleartextKeysets(boolean insecureCleartextKeysets) {
      this.insecureCleartextKeysets = insecureCleartextKeysets;
    }

    public String getApiKeyKeyset() {
      return apiKeyKeyset;
    }

    public void setApiKeyKeyset(String apiKeyKeyset) {
      this.apiKeyKeyset = apiKeyKeyset;
    }

    public Access getAccess() {
      return access;
    }
  }

  /**
   * An access policy from properties: roles, principals (by the keyed hash of their API key) and
   * the anonymous caller. API keys themselves are never properties, except the
   * starter's own admin-api-key.
   */
  public static class Access {

    /** Whether to enforce the access policy declared under maasdk.security.access. */
    private boolean enabled = true;

    /** Roles by name: each a list of permissions (a model-name pattern and actions). */
    private Map<String, java.util.List<Permission>> roles = new LinkedHashMap<>();

    /** Principals by id: the keyed hash of their API key, their tenants and roles. */
    private Map<String, Principal> principals = new LinkedHashMap<>();

    /** Roles granted to callers without credentials; none by default. */
    private java.util.List<String> anonymousRoles = new java.util.ArrayList<>();

    /** The tenant callers without credentials are bound to. */
    private String anonymousTenant = "anonymous";

    /**
     * The starter's own API key (a secret: set it from the environment, e.g.
     * MAASDK_SECURITY_ACCESS_ADMIN_API_KEY). It becomes the principal admin-principal with every
     * action on every model, and the starter deploys models, sets aliases and serves the
     * /actuator/maasdk write operations with it. Never logged, masked in /actuator/env and
     * /actuator/configprops.
     */
    private String adminApiKey;

    /** The principal id of admin-api-key, as audit records name it. */
    private String adminPrincipal = "maasdk-admin";

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Map<String, java.util.List<Permission>> getRoles() {
      return roles;
    }

    public void setRoles(Map<String, java.util.List<Permission>> roles) {
      this.roles = roles;
    }

    public Map<String, Principal> getPrincipals() {
      return principals;
    }

    public void setPrincipals(Map<String, Principal> principals) {
      this.principals = principals;
    }

    public java.util.List<String> getAnonymousRoles() {
      return anonymousRoles;
    }

    public void setAnonymousRoles(java.util.List<String> anonymousRoles) {
      this.anonymousRoles = anonymousRoles;
    }

    public String getAnonymousTenant() {
      return anonymousTenant;
    }

    public void setAnonymousTenant(String anonymousTenant) {
      this.anonymousTenant = anonymousTenant;
    }

    public String getAdminApiKey() {
      return adminApiKey;
    }

    public void setAdminApiKey(String adminApiKey) {
      this.adminApiKey = adminApiKey;
    }

    public String getAdminPrincipal() {
      return adminPrincipal;
    }

    public void setAdminPrincipal(String adminPrincipal) {
      this.adminPrincipal = adminPrincipal;
    }

    /** Never prints the admin key. */
    @Override
    public String toString() {
      return "Access[roles=" + roles.keySet() + ", principals="
          + principals.keySet() + ", admin=" + (adminApiKey == null ? "none" : adminPrincipal)
          + "]";
    }
  }

  /** One permission of a role. */
  public static class Permission {

    /** The models it covers: a name or a pattern with "*" wildcards. */
    private String models = "*";

    /** The actions: predict, deploy, undeploy, alias, invalidate. */
    private java.util.List<String> actions = new java.util.ArrayList<>();

    public String getModels() {
      return models;
    }

    public void setModels(String models) {
      this.models = models;
    }

    public java.util.List<String> getActions() {
      return actions;
    }

    public void setActions(java.util.List<String> actions) {
      this.actions = actions;
    }
  }

  /** One caller of the access policy. */
  public static class Principal {

    /**
     * The keyed hash of its API key (ApiKeys.hash under api-key-keyset; the ApiKeys bean makes
     * it), never the key. Masked in /actuator/env and /actuator/configprops.
     */
    private String keyHash;

    /** The tenants it may act for, its home tenant first; default its id. */
    private java.util.List<String> tenants = new java.util.ArrayList<>();

    /** Its roles. */
    private java.util.List<String> roles = new java.util.ArrayList<>();

    public String getKeyHash() {
      return keyHash;
    }

    public void setKeyHash(String keyHash) {
      this.keyHash = keyHash;
    }

    public java.util.List<String> getTenants() {
      return tenants;
    }

    public void setTenants(java.util.List<String> tenants) {
      this.tenants = tenants;
    }

    public java.util.List<String> getRoles() {
      return roles;
    }

    public void setRoles(java.util.List<String> roles) {
      this.roles = roles;
    }

    @Override
    public String toString() {
      return "Principal[tenants=" + tenants + ", roles=" + roles + "]";
    }
  }

  /** How a model's units are counted, for metering records and quotas. */
  public enum Meter {
    /** One unit per call ({@code UsageMeter.perCall()}). */
    PER_CALL,
    /** One unit per item of a batch input ({@code UsageMeter.items()}). */
    ITEMS,
    /** One unit per byte of input ({@code UsageMeter.inputBytes()}). */
    INPUT_BYTES
  }

  /** When the ledger forces records to the storage device ({@code FsyncPolicy}). */
  public enum Fsync {
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
  public static class Metering {

    /** Whether to meter calls when maasdk.metering.ledger-dir is set. */
    private boolean enabled = true;

    /**
     * Folder of the usage ledger (created if absent): one usage record per call. Unset, there is
     * no metering.
     */
    private Path ledgerDir;

    /** When the ledger fsyncs: always, every (fsync-interval) or never. */
    private Fsync fsync = Fsync.EVERY;

    /** The longest a written record waits for its fsync, with fsync=every. */
    private Duration fsyncInterval = Duration.ofMillis(100);

    /**
     * Whether a call's result is released only once its usage record is written and fsynced (use
     * with fsync=always); otherwise records are written asynchronously.
     */
    private boolean durable = false;

    /** Records that may wait for the ledger writer before calls block, then drop them. */
    private int bufferCapacity = 65_536;

    /** How long a call may wait for room in a full buffer before its record is dropped. */
    private Duration offerTimeout = Duration.ofMillis(5);

    /**
     * How units are counted per model-name pattern ("*" a wildcard; write the key in brackets,
     * e.g. maasdk.metering.meters[digits-*]=items); first match wins. Models matching none count
     * one unit per call.
     */
    private Map<String, Meter> meters = new LinkedHashMap<>();

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Path getLedgerDir() {
      return ledgerDir;
    }

    public void setLedgerDir(Path ledgerDir) {
      this.ledgerDir = ledgerDir;
    }

    public Fsync getFsync() {
      return fsync;
    }

    public void setFsync(Fsync fsync) {
      this.fsync = fsync;
    }

    public Duration getFsyncInterval() {
      return fsyncInterval;
    }

    public void setFsyncInterval(Duration fsyncInterval) {
      this.fsyncInterval = fsyncInterval;
    }

    public boolean isDurable() {
      return durable;
    }

    public void setDurable(boolean durable) {
      this.durable = durable;
    }

    public int getBufferCapacity() {
      return bufferCapacity;
    }

    public void setBufferCapacity(int bufferCapacity) {
      this.bufferCapacity = bufferCapacity;
    }

    public Duration getOfferTimeout() {
      return offerTimeout;
    }

    public void setOfferTimeout(Duration offerTimeout) {
      this.offerTimeout = offerTimeout;
    }

    public Map<String, Meter> getMeters() {
      return meters;
    }

    public void setMeters(Map<String, Meter> meters) {
      this.meters = meters;
    }
  }

  /** Per-tenant quotas (maasdk-metrics): rate limits and budgets, enforced before a call queues. */
  public static class Quotas {

    /** Whether to enforce the quotas declared under maasdk.quotas. */
    private boolean enabled = true;

    /** Limits of tenants not named under maasdk.quotas.tenants; unset, they are not limited. */
    private Quota defaults = new Quota();

    /** Limits per tenant, by tenant name. */
    private Map<String, Quota> tenants = new LinkedHashMap<>();

    /**
     * Whether budgets start from what the ledger (maasdk.metering.ledger-dir) records as spent in
     * the current period, so a restart does not reset a tenant's spend.
     */
    private boolean restoreFromLedger = true;

    /** The zone in which daily and monthly budget periods start. */
    private String zone = "UTC";

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Quota getDefaults() {
      return defaults;
    }

    public void setDefaults(Quota defaults) {
      this.defaults = defaults;
    }

    public Map<String, Quota> getTenants() {
      return tenants;
    }

    public void setTenants(Map<String, Quota> tenants) {
      this.tenants = tenants;
    }

    public boolean isRestoreFromLedger() {
      return restoreFromLedger;
    }

    public void setRestoreFromLedger(boolean restoreFromLedger) {
      this.restoreFromLedger = restoreFromLedger;
    }

    public String getZone() {
      return zone;
    }

    public void setZone(String zone) {
      this.zone = zone;
    }
  }

  /** The limits of one tenant; unset limits do not apply. */
  public static class Quota {

    /** Calls per second, sustained (a token bucket). */
    private Double requestsPerSecond;

    /** Calls at once above the sustained rate; default the rate rounded up. */
    private Long requestBurst;

    /** Units per second, sustained. */
    private Double unitsPerSecond;

    /** Units at once above the sustained rate; default the rate rounded up. */
    private Long unitBurst;

    /** Units per budget-period. */
    private Long unitBudget;

    /**
     * Money per budget-period, at the prices of maasdk.pricing (free units not deducted, so the
     * budget is never exceeded).
     */
    private java.math.BigDecimal moneyBudget;

    /** The calendar period of unit-budget and money-budget: day or month. */
    private String budgetPeriod = "month";

    public Double getRequestsPerSecond() {
      return requestsPerSecond;
    }

    public void setRequestsPerSecond(Double requestsPerSecond) {
      this.requestsPerSecond = requestsPerSecond;
    }

    public Long getRequestBurst() {
      return requestBurst;
    }

    public void setRequestBurst(Long requestBurst) {
      this.requestBurst = requestBurst;
    }

    public Double getUnitsPerSecond() {
      return unitsPerSecond;
    }

    public void setUnitsPerSecond(Double unitsPerSecond) {
      this.unitsPerSecond = unitsPerSecond;
    }

    public Long getUnitBurst() {
      return unitBurst;
    }

    public void setUnitBurst(Long unitBurst) {
      this.unitBurst = unitBurst;
    }

    public Long getUnitBudget() {
      return unitBudget;
    }

    public void setUnitBudget(Long unitBudget) {
      this.unitBudget = unitBudget;
    }

    public java.math.BigDecimal getMoneyBudget() {
      return moneyBudget;
    }

    public void setMoneyBudget(java.math.BigDecimal moneyBudget) {
      this.moneyBudget = moneyBudget;
    }

    /** Whether no limit is set. */
    boolean isUnlimited() {
      return requestsPerSecond == null && unitsPerSecond == null && unitBudget == null
          && moneyBudget == null;
    }

    public String getBudgetPeriod() {
      return budgetPeriod;
    }

    public void setBudgetPeriod(String budgetPeriod) {
      this.budgetPeriod = budgetPeriod;
    }
  }

  /** The price plan money budgets are counted in (maasdk-metrics' PricePlan). */
  public static class Pricing {

    /** The plan's name. */
    private String name = "default";

    /** ISO 4217 currency code, e.g. EUR; setting it defines the plan. */
    private String currency;

    /**
     * Price per 1,000 units by model-name pattern ("*" a wildcard; write the key in brackets,
     * e.g. maasdk.pricing.prices[digits-*]=0.40); first match wins.
     */
    private Map<String, java.math.BigDecimal> prices = new LinkedHashMap<>();

    /** Price per 1,000 units of models no pattern matches; unset, they are not billed. */
    private java.math.BigDecimal defaultPrice;

    /** Units each tenant may use per period before billing starts. */
    private long freeUnitsPerPeriod = 0;

    /** Whether answers served from the response cache are billed. */
    private boolean billCacheHits = true;

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public String getCurrency() {
      return currency;
    }

    public void setCurrency(String currency) {
      this.currency = currency;
    }

    public Map<String, java.math.BigDecimal> getPrices() {
      return prices;
    }

    public void setPrices(Map<String, java.math.BigDecimal> prices) {
      this.prices = prices;
    }

    public java.math.BigDecimal getDefaultPrice() {
      return defaultPrice;
    }

    public void setDefaultPrice(java.math.BigDecimal defaultPrice) {
      this.defaultPrice = defaultPrice;
    }

    public long getFreeUnitsPerPeriod() {
      return freeUnitsPerPeriod;
    }

    public void setFreeUnitsPerPeriod(long freeUnitsPerPeriod) {
      this.freeUnitsPerPeriod = freeUnitsPerPeriod;
    }

    public boolean isBillCacheHits() {
      return billCacheHits;
    }

    public void setBillCacheHits(boolean billCacheHits) {
      this.billCacheHits = billCacheHits;
    }
  }
}
