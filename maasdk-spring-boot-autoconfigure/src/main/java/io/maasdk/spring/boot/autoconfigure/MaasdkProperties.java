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
 * <p>Bound once at startup by Spring Boot; not thread-safe, and not read after the runtime is
 * built.
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

  /**
   * Whether to auto-configure a maasdk ModelRuntime.
   *
   * @return the configured value
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets {@link #isEnabled()}.
   *
   * @param enabled the new value
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * How long closing the runtime (on application shutdown) waits for admitted calls before failing
   * the rest.
   *
   * @return the configured value
   */
  public Duration getDrainTimeout() {
    return drainTimeout;
  }

  /**
   * Sets {@link #getDrainTimeout()}.
   *
   * @param drainTimeout the new value
   */
  public void setDrainTimeout(Duration drainTimeout) {
    this.drainTimeout = drainTimeout;
  }

  /**
   * The DJL engine for models that name none.
   *
   * @return the configured value
   */
  public String getDefaultEngine() {
    return defaultEngine;
  }

  /**
   * Sets {@link #getDefaultEngine()}.
   *
   * @param defaultEngine the new value
   */
  public void setDefaultEngine(String defaultEngine) {
    this.defaultEngine = defaultEngine;
  }

  /**
   * How many moves each alias keeps in its history and rollback stack.
   *
   * @return the configured value
   */
  public int getAliasHistoryLimit() {
    return aliasHistoryLimit;
  }

  /**
   * Sets {@link #getAliasHistoryLimit()}.
   *
   * @param aliasHistoryLimit the new value
   */
  public void setAliasHistoryLimit(int aliasHistoryLimit) {
    this.aliasHistoryLimit = aliasHistoryLimit;
  }

  /**
   * Whether building the runtime keeps DJL offline and untracked (sets ai.djl.offline and
   * ai.djl.disable_usage_tracking unless already set).
   *
   * @return the configured value
   */
  public boolean isDjlOffline() {
    return djlOffline;
  }

  /**
   * Sets {@link #isDjlOffline()}.
   *
   * @param djlOffline the new value
   */
  public void setDjlOffline(boolean djlOffline) {
    this.djlOffline = djlOffline;
  }

  /**
   * Where models declared under maasdk.models are found.
   *
   * @return the configured value
   */
  public Repository getRepository() {
    return repository;
  }

  /**
   * Models to deploy at startup, by name, for the built-in codecs.
   *
   * @return the configured value
   */
  public Map<String, Model> getModels() {
    return models;
  }

  /**
   * Sets {@link #getModels()}.
   *
   * @param models the new value
   */
  public void setModels(Map<String, Model> models) {
    this.models = models;
  }

  /**
   * Aliases to set once every model is deployed: model name, then alias name, then the target: a
   * version ("2.0.0") or a weighted split ("1.0.0=90,2.0.0=10").
   *
   * @return the configured value
   */
  public Map<String, Map<String, String>> getAliases() {
    return aliases;
  }

  /**
   * Sets {@link #getAliases()}.
   *
   * @param aliases the new value
   */
  public void setAliases(Map<String, Map<String, String>> aliases) {
    this.aliases = aliases;
  }

  /**
   * The metrics settings.
   *
   * @return the configured value
   */
  public Metrics getMetrics() {
    return metrics;
  }

  /**
   * The endpoint settings.
   *
   * @return the configured value
   */
  public Endpoint getEndpoint() {
    return endpoint;
  }

  /**
   * The spring ai settings.
   *
   * @return the configured value
   */
  public SpringAi getSpringAi() {
    return springAi;
  }

  /**
   * The security settings.
   *
   * @return the configured value
   */
  public Security getSecurity() {
    return security;
  }

  /**
   * The metering settings.
   *
   * @return the configured value
   */
  public Metering getMetering() {
    return metering;
  }

  /**
   * The quotas settings.
   *
   * @return the configured value
   */
  public Quotas getQuotas() {
    return quotas;
  }

  /**
   * The pricing settings.
   *
   * @return the configured value
   */
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

    /**
     * Root folder of the model repository, laid out root/model-name/version/model-file.
     *
     * @return the configured value
     */
    public Path getRoot() {
      return root;
    }

    /**
     * Sets {@link #getRoot()}.
     *
     * @param root the new value
     */
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

    /**
     * Replicas per version, each with its own predictor and worker thread; unset: the runtime's
     * default (a replica per core for a PyTorch or ONNX Runtime model on the CPU, else one).
     */
    private Integer replicas;

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

    /**
     * The codec: how inputs and outputs map to tensors.
     *
     * @return the configured value
     */
    public Codec getCodec() {
      return codec;
    }

    /**
     * Sets {@link #getCodec()}.
     *
     * @param codec the new value
     */
    public void setCodec(Codec codec) {
      this.codec = codec;
    }

    /**
     * The input vector's length (float-vector codec); required.
     *
     * @return the configured value
     */
    public Integer getInputLength() {
      return inputLength;
    }

    /**
     * Sets {@link #getInputLength()}.
     *
     * @param inputLength the new value
     */
    public void setInputLength(Integer inputLength) {
      this.inputLength = inputLength;
    }

    /**
     * One version's model file or folder, as a Spring resource location ("classpath:models/x.pt",
     * "file:/models/x.pt" or a plain path); needs version.
     *
     * @return the configured value
     */
    public String getLocation() {
      return location;
    }

    /**
     * Sets {@link #getLocation()}.
     *
     * @param location the new value
     */
    public void setLocation(String location) {
      this.location = location;
    }

    /**
     * The version deployed from location.
     *
     * @return the configured value
     */
    public String getVersion() {
      return version;
    }

    /**
     * Sets {@link #getVersion()}.
     *
     * @param version the new value
     */
    public void setVersion(String version) {
      this.version = version;
    }

    /**
     * The DJL engine; default maasdk.default-engine.
     *
     * @return the configured value
     */
    public String getEngine() {
      return engine;
    }

    /**
     * Sets {@link #getEngine()}.
     *
     * @param engine the new value
     */
    public void setEngine(String engine) {
      this.engine = engine;
    }

    /**
     * Replicas per version, each with its own predictor and worker thread; null (unset): the
     * runtime's default (a replica per core for a PyTorch or ONNX Runtime model on the CPU, else
     * one).
     *
     * @return the configured value, or null
     */
    public Integer getReplicas() {
      return replicas;
    }

    /**
     * Sets {@link #getReplicas()}.
     *
     * @param replicas the new value
     */
    public void setReplicas(Integer replicas) {
      this.replicas = replicas;
    }

    /**
     * Where replicas go: "auto" (GPUs if any, else the CPU) or "cpu".
     *
     * @return the configured value
     */
    public String getDevice() {
      return device;
    }

    /**
     * Sets {@link #getDevice()}.
     *
     * @param device the new value
     */
    public void setDevice(String device) {
      this.device = device;
    }

    /**
     * The most calls one engine call computes together; 1 turns batching off.
     *
     * @return the configured value
     */
    public int getBatchSize() {
      return batchSize;
    }

    /**
     * Sets {@link #getBatchSize()}.
     *
     * @param batchSize the new value
     */
    public void setBatchSize(int batchSize) {
      this.batchSize = batchSize;
    }

    /**
     * How long a worker may wait for more calls to fill a batch.
     *
     * @return the configured value
     */
    public Duration getBatchDelay() {
      return batchDelay;
    }

    /**
     * Sets {@link #getBatchDelay()}.
     *
     * @param batchDelay the new value
     */
    public void setBatchDelay(Duration batchDelay) {
      this.batchDelay = batchDelay;
    }

    /**
     * Calls that may wait per version before new ones are refused.
     *
     * @return the configured value
     */
    public int getQueueCapacity() {
      return queueCapacity;
    }

    /**
     * Sets {@link #getQueueCapacity()}.
     *
     * @param queueCapacity the new value
     */
    public void setQueueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
    }

    /**
     * Whether answers are cached per version (off by default).
     *
     * @return the configured value
     */
    public boolean isCache() {
      return cache;
    }

    /**
     * Sets {@link #isCache()}.
     *
     * @param cache the new value
     */
    public void setCache(boolean cache) {
      this.cache = cache;
    }

    /**
     * Entries each version's response cache keeps, when cache is on.
     *
     * @return the configured value
     */
    public long getCacheMaximumSize() {
      return cacheMaximumSize;
    }

    /**
     * Sets {@link #getCacheMaximumSize()}.
     *
     * @param cacheMaximumSize the new value
     */
    public void setCacheMaximumSize(long cacheMaximumSize) {
      this.cacheMaximumSize = cacheMaximumSize;
    }

    /**
     * Whether each replica computes an all-zero input before the version serves: verifies it on its
     * device and gives maasdk a known-good input for judging failures.
     *
     * @return the configured value
     */
    public boolean isWarmup() {
      return warmup;
    }

    /**
     * Sets {@link #isWarmup()}.
     *
     * @param warmup the new value
     */
    public void setWarmup(boolean warmup) {
      this.warmup = warmup;
    }
  }

  /** maasdk-metrics, when it and Micrometer are on the classpath. */
  public static class Metrics {

    /** Whether to bind maasdk's meters to the application's MeterRegistry. */
    private boolean enabled = true;

    /**
     * Tag meters with the tenant for the first this-many tenants (later ones are tagged "other"); 0
     * leaves the tag off.
     */
    private int tenantTag = 0;

    /**
     * Whether to bind maasdk's meters to the application's MeterRegistry.
     *
     * @return the configured value
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets {@link #isEnabled()}.
     *
     * @param enabled the new value
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Tag meters with the tenant for the first this-many tenants (later ones are tagged "other"); 0
     * leaves the tag off.
     *
     * @return the configured value
     */
    public int getTenantTag() {
      return tenantTag;
    }

    /**
     * Sets {@link #getTenantTag()}.
     *
     * @param tenantTag the new value
     */
    public void setTenantTag(int tenantTag) {
      this.tenantTag = tenantTag;
    }
  }

  /** The Actuator endpoint {@code /actuator/maasdk}. */
  public static class Endpoint {

    /** How many alias moves the endpoint lists per alias (newest last). */
    private int historyLimit = 20;

    /**
     * How many alias moves the endpoint lists per alias (newest last).
     *
     * @return the configured value
     */
    public int getHistoryLimit() {
      return historyLimit;
    }

    /**
     * Sets {@link #getHistoryLimit()}.
     *
     * @param historyLimit the new value
     */
    public void setHistoryLimit(int historyLimit) {
      this.historyLimit = historyLimit;
    }
  }

  /** Spring AI adapters, when Spring AI is on the classpath. */
  public static class SpringAi {

    private final Embedding embedding = new Embedding();

    /**
     * The embedding settings.
     *
     * @return the configured value
     */
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

      /**
       * The deployed String-to-float[] model to expose as Spring AI's EmbeddingModel; unset, there
       * is no such bean.
       *
       * @return the configured value
       */
      public String getModel() {
        return model;
      }

      /**
       * Sets {@link #getModel()}.
       *
       * @param model the new value
       */
      public void setModel(String model) {
        this.model = model;
      }

      /**
       * Its version selector: a version, a range, an alias or "latest".
       *
       * @return the configured value
       */
      public String getVersion() {
        return version;
      }

      /**
       * Sets {@link #getVersion()}.
       *
       * @param version the new value
       */
      public void setVersion(String version) {
        this.version = version;
      }

      /**
       * The tenant its calls are made as (for quotas, metering and the tenant tag).
       *
       * @return the configured value
       */
      public String getTenant() {
        return tenant;
      }

      /**
       * Sets {@link #getTenant()}.
       *
       * @param tenant the new value
       */
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

    /**
     * The trusted public keyset (a Spring resource location, e.g. classpath:keys/signing.pub.json):
     * when set, only models signed by these keys deploy, and models under maasdk.models load from
     * signed folders.
     *
     * @return the configured value
     */
    public String getTrustedKeys() {
      return trustedKeys;
    }

    /**
     * Sets {@link #getTrustedKeys()}.
     *
     * @param trustedKeys the new value
     */
    public void setTrustedKeys(String trustedKeys) {
      this.trustedKeys = trustedKeys;
    }

    /**
     * With trusted-keys set: whether every deploy, ModelSpec beans included, must be signed by
     * those keys (RequireSignatures).
     *
     * @return the configured value
     */
    public boolean isRequireSignatures() {
      return requireSignatures;
    }

    /**
     * Sets {@link #isRequireSignatures()}.
     *
     * @param requireSignatures the new value
     */
    public void setRequireSignatures(boolean requireSignatures) {
      this.requireSignatures = requireSignatures;
    }

    /**
     * The local master key file (a file: resource or a path) that encrypts the secret keysets
     * below, as maasdk keys create-master writes it; refused if group or others can read it.
     *
     * @return the configured value
     */
    public String getMasterKey() {
      return masterKey;
    }

    /**
     * Sets {@link #getMasterKey()}.
     *
     * @param masterKey the new value
     */
    public void setMasterKey(String masterKey) {
      this.masterKey = masterKey;
    }

    /**
     * DEVELOPMENT ONLY: read the secret keysets below as cleartext (a warning is logged); without
     * it they must be encrypted under master-key.
     *
     * @return the configured value
     */
    public boolean isInsecureCleartextKeysets() {
      return insecureCleartextKeysets;
    }

    /**
     * Sets {@link #isInsecureCleartextKeysets()}.
     *
     * @param insecureCleartextKeysets the new value
     */
    public void setInsecureCleartextKeysets(boolean insecureCleartextKeysets) {
      this.insecureCleartextKeysets = insecureCleartextKeysets;
    }

    /**
     * The API-key keyset (KeyPurpose PRF; a Spring resource location), encrypted under master-key:
     * the key that API-key hashes in the access policy were made with.
     *
     * @return the configured value
     */
    public String getApiKeyKeyset() {
      return apiKeyKeyset;
    }

    /**
     * Sets {@link #getApiKeyKeyset()}.
     *
     * @param apiKeyKeyset the new value
     */
    public void setApiKeyKeyset(String apiKeyKeyset) {
      this.apiKeyKeyset = apiKeyKeyset;
    }

    /**
     * Access control: who may call and manage which models (maasdk-security AccessControl).
     *
     * @return the configured value
     */
    public Access getAccess() {
      return access;
    }
  }

  /**
   * An access policy from properties: roles, principals (by the keyed hash of their API key) and
   * the anonymous caller. API keys themselves are never properties, except the starter's own
   * admin-api-key.
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

    /**
     * Whether to enforce the access policy declared under maasdk.security.access.
     *
     * @return the configured value
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets {@link #isEnabled()}.
     *
     * @param enabled the new value
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Roles by name: each a list of permissions (a model-name pattern and actions).
     *
     * @return the configured value
     */
    public Map<String, java.util.List<Permission>> getRoles() {
      return roles;
    }

    /**
     * Sets {@link #getRoles()}.
     *
     * @param roles the new value
     */
    public void setRoles(Map<String, java.util.List<Permission>> roles) {
      this.roles = roles;
    }

    /**
     * Principals by id: the keyed hash of their API key, their tenants and roles.
     *
     * @return the configured value
     */
    public Map<String, Principal> getPrincipals() {
      return principals;
    }

    /**
     * Sets {@link #getPrincipals()}.
     *
     * @param principals the new value
     */
    public void setPrincipals(Map<String, Principal> principals) {
      this.principals = principals;
    }

    /**
     * Roles granted to callers without credentials; none by default.
     *
     * @return the configured value
     */
    public java.util.List<String> getAnonymousRoles() {
      return anonymousRoles;
    }

    /**
     * Sets {@link #getAnonymousRoles()}.
     *
     * @param anonymousRoles the new value
     */
    public void setAnonymousRoles(java.util.List<String> anonymousRoles) {
      this.anonymousRoles = anonymousRoles;
    }

    /**
     * The tenant callers without credentials are bound to.
     *
     * @return the configured value
     */
    public String getAnonymousTenant() {
      return anonymousTenant;
    }

    /**
     * Sets {@link #getAnonymousTenant()}.
     *
     * @param anonymousTenant the new value
     */
    public void setAnonymousTenant(String anonymousTenant) {
      this.anonymousTenant = anonymousTenant;
    }

    /**
     * The starter's own API key (a secret: set it from the environment, e.g.
     * MAASDK_SECURITY_ACCESS_ADMIN_API_KEY).
     *
     * @return the configured value
     */
    public String getAdminApiKey() {
      return adminApiKey;
    }

    /**
     * Sets {@link #getAdminApiKey()}.
     *
     * @param adminApiKey the new value
     */
    public void setAdminApiKey(String adminApiKey) {
      this.adminApiKey = adminApiKey;
    }

    /**
     * The principal id of admin-api-key, as audit records name it.
     *
     * @return the configured value
     */
    public String getAdminPrincipal() {
      return adminPrincipal;
    }

    /**
     * Sets {@link #getAdminPrincipal()}.
     *
     * @param adminPrincipal the new value
     */
    public void setAdminPrincipal(String adminPrincipal) {
      this.adminPrincipal = adminPrincipal;
    }

    /** Never prints the admin key. */
    @Override
    public String toString() {
      return "Access[roles="
          + roles.keySet()
          + ", principals="
          + principals.keySet()
          + ", admin="
          + (adminApiKey == null ? "none" : adminPrincipal)
          + "]";
    }
  }

  /** One permission of a role. */
  public static class Permission {

    /** The models it covers: a name or a pattern with "*" wildcards. */
    private String models = "*";

    /** The actions: predict, deploy, undeploy, alias, invalidate. */
    private java.util.List<String> actions = new java.util.ArrayList<>();

    /**
     * The models it covers: a name or a pattern with "*" wildcards.
     *
     * @return the configured value
     */
    public String getModels() {
      return models;
    }

    /**
     * Sets {@link #getModels()}.
     *
     * @param models the new value
     */
    public void setModels(String models) {
      this.models = models;
    }

    /**
     * The actions: predict, deploy, undeploy, alias, invalidate.
     *
     * @return the configured value
     */
    public java.util.List<String> getActions() {
      return actions;
    }

    /**
     * Sets {@link #getActions()}.
     *
     * @param actions the new value
     */
    public void setActions(java.util.List<String> actions) {
      this.actions = actions;
    }
  }

  /** One caller of the access policy. */
  public static class Principal {

    /**
     * The keyed hash of its API key (ApiKeys.hash under api-key-keyset; the ApiKeys bean makes it),
     * never the key. Masked in /actuator/env and /actuator/configprops.
     */
    private String keyHash;

    /** The tenants it may act for, its home tenant first; default its id. */
    private java.util.List<String> tenants = new java.util.ArrayList<>();

    /** Its roles. */
    private java.util.List<String> roles = new java.util.ArrayList<>();

    /**
     * The keyed hash of its API key (ApiKeys.hash under api-key-keyset; the ApiKeys bean makes it),
     * never the key.
     *
     * @return the configured value
     */
    public String getKeyHash() {
      return keyHash;
    }

    /**
     * Sets {@link #getKeyHash()}.
     *
     * @param keyHash the new value
     */
    public void setKeyHash(String keyHash) {
      this.keyHash = keyHash;
    }

    /**
     * The tenants it may act for, its home tenant first; default its id.
     *
     * @return the configured value
     */
    public java.util.List<String> getTenants() {
      return tenants;
    }

    /**
     * Sets {@link #getTenants()}.
     *
     * @param tenants the new value
     */
    public void setTenants(java.util.List<String> tenants) {
      this.tenants = tenants;
    }

    /**
     * Its roles.
     *
     * @return the configured value
     */
    public java.util.List<String> getRoles() {
      return roles;
    }

    /**
     * Sets {@link #getRoles()}.
     *
     * @param roles the new value
     */
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
     * Folder of the usage ledger (created if absent): one usage record per call. Unset, there is no
     * metering.
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
     * How units are counted per model-name pattern ("*" a wildcard; write the key in brackets, e.g.
     * maasdk.metering.meters[digits-*]=items); first match wins. Models matching none count one
     * unit per call.
     */
    private Map<String, Meter> meters = new LinkedHashMap<>();

    /**
     * Whether to meter calls when maasdk.metering.ledger-dir is set.
     *
     * @return the configured value
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets {@link #isEnabled()}.
     *
     * @param enabled the new value
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Folder of the usage ledger (created if absent): one usage record per call.
     *
     * @return the configured value
     */
    public Path getLedgerDir() {
      return ledgerDir;
    }

    /**
     * Sets {@link #getLedgerDir()}.
     *
     * @param ledgerDir the new value
     */
    public void setLedgerDir(Path ledgerDir) {
      this.ledgerDir = ledgerDir;
    }

    /**
     * When the ledger fsyncs: always, every (fsync-interval) or never.
     *
     * @return the configured value
     */
    public Fsync getFsync() {
      return fsync;
    }

    /**
     * Sets {@link #getFsync()}.
     *
     * @param fsync the new value
     */
    public void setFsync(Fsync fsync) {
      this.fsync = fsync;
    }

    /**
     * The longest a written record waits for its fsync, with fsync=every.
     *
     * @return the configured value
     */
    public Duration getFsyncInterval() {
      return fsyncInterval;
    }

    /**
     * Sets {@link #getFsyncInterval()}.
     *
     * @param fsyncInterval the new value
     */
    public void setFsyncInterval(Duration fsyncInterval) {
      this.fsyncInterval = fsyncInterval;
    }

    /**
     * Whether a call's result is released only once its usage record is written and fsynced (use
     * with fsync=always); otherwise records are written asynchronously.
     *
     * @return the configured value
     */
    public boolean isDurable() {
      return durable;
    }

    /**
     * Sets {@link #isDurable()}.
     *
     * @param durable the new value
     */
    public void setDurable(boolean durable) {
      this.durable = durable;
    }

    /**
     * Records that may wait for the ledger writer before calls block, then drop them.
     *
     * @return the configured value
     */
    public int getBufferCapacity() {
      return bufferCapacity;
    }

    /**
     * Sets {@link #getBufferCapacity()}.
     *
     * @param bufferCapacity the new value
     */
    public void setBufferCapacity(int bufferCapacity) {
      this.bufferCapacity = bufferCapacity;
    }

    /**
     * How long a call may wait for room in a full buffer before its record is dropped.
     *
     * @return the configured value
     */
    public Duration getOfferTimeout() {
      return offerTimeout;
    }

    /**
     * Sets {@link #getOfferTimeout()}.
     *
     * @param offerTimeout the new value
     */
    public void setOfferTimeout(Duration offerTimeout) {
      this.offerTimeout = offerTimeout;
    }

    /**
     * How units are counted per model-name pattern ("*" a wildcard; write the key in brackets, e.g.
     * maasdk.metering.meters[digits-*]=items); first match wins.
     *
     * @return the configured value
     */
    public Map<String, Meter> getMeters() {
      return meters;
    }

    /**
     * Sets {@link #getMeters()}.
     *
     * @param meters the new value
     */
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

    /**
     * Whether to enforce the quotas declared under maasdk.quotas.
     *
     * @return the configured value
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets {@link #isEnabled()}.
     *
     * @param enabled the new value
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Limits of tenants not named under maasdk.quotas.tenants; unset, they are not limited.
     *
     * @return the configured value
     */
    public Quota getDefaults() {
      return defaults;
    }

    /**
     * Sets {@link #getDefaults()}.
     *
     * @param defaults the new value
     */
    public void setDefaults(Quota defaults) {
      this.defaults = defaults;
    }

    /**
     * Limits per tenant, by tenant name.
     *
     * @return the configured value
     */
    public Map<String, Quota> getTenants() {
      return tenants;
    }

    /**
     * Sets {@link #getTenants()}.
     *
     * @param tenants the new value
     */
    public void setTenants(Map<String, Quota> tenants) {
      this.tenants = tenants;
    }

    /**
     * Whether budgets start from what the ledger (maasdk.metering.ledger-dir) records as spent in
     * the current period, so a restart does not reset a tenant's spend.
     *
     * @return the configured value
     */
    public boolean isRestoreFromLedger() {
      return restoreFromLedger;
    }

    /**
     * Sets {@link #isRestoreFromLedger()}.
     *
     * @param restoreFromLedger the new value
     */
    public void setRestoreFromLedger(boolean restoreFromLedger) {
      this.restoreFromLedger = restoreFromLedger;
    }

    /**
     * The zone in which daily and monthly budget periods start.
     *
     * @return the configured value
     */
    public String getZone() {
      return zone;
    }

    /**
     * Sets {@link #getZone()}.
     *
     * @param zone the new value
     */
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

    /**
     * Calls per second, sustained (a token bucket).
     *
     * @return the configured value
     */
    public Double getRequestsPerSecond() {
      return requestsPerSecond;
    }

    /**
     * Sets {@link #getRequestsPerSecond()}.
     *
     * @param requestsPerSecond the new value
     */
    public void setRequestsPerSecond(Double requestsPerSecond) {
      this.requestsPerSecond = requestsPerSecond;
    }

    /**
     * Calls at once above the sustained rate; default the rate rounded up.
     *
     * @return the configured value
     */
    public Long getRequestBurst() {
      return requestBurst;
    }

    /**
     * Sets {@link #getRequestBurst()}.
     *
     * @param requestBurst the new value
     */
    public void setRequestBurst(Long requestBurst) {
      this.requestBurst = requestBurst;
    }

    /**
     * Units per second, sustained.
     *
     * @return the configured value
     */
    public Double getUnitsPerSecond() {
      return unitsPerSecond;
    }

    /**
     * Sets {@link #getUnitsPerSecond()}.
     *
     * @param unitsPerSecond the new value
     */
    public void setUnitsPerSecond(Double unitsPerSecond) {
      this.unitsPerSecond = unitsPerSecond;
    }

    /**
     * Units at once above the sustained rate; default the rate rounded up.
     *
     * @return the configured value
     */
    public Long getUnitBurst() {
      return unitBurst;
    }

    /**
     * Sets {@link #getUnitBurst()}.
     *
     * @param unitBurst the new value
     */
    public void setUnitBurst(Long unitBurst) {
      this.unitBurst = unitBurst;
    }

    /**
     * Units per budget-period.
     *
     * @return the configured value
     */
    public Long getUnitBudget() {
      return unitBudget;
    }

    /**
     * Sets {@link #getUnitBudget()}.
     *
     * @param unitBudget the new value
     */
    public void setUnitBudget(Long unitBudget) {
      this.unitBudget = unitBudget;
    }

    /**
     * Money per budget-period, at the prices of maasdk.pricing (free units not deducted, so the
     * budget is never exceeded).
     *
     * @return the configured value
     */
    public java.math.BigDecimal getMoneyBudget() {
      return moneyBudget;
    }

    /**
     * Sets {@link #getMoneyBudget()}.
     *
     * @param moneyBudget the new value
     */
    public void setMoneyBudget(java.math.BigDecimal moneyBudget) {
      this.moneyBudget = moneyBudget;
    }

    /** Whether no limit is set. */
    boolean isUnlimited() {
      return requestsPerSecond == null
          && unitsPerSecond == null
          && unitBudget == null
          && moneyBudget == null;
    }

    /**
     * The calendar period of unit-budget and money-budget: day or month.
     *
     * @return the configured value
     */
    public String getBudgetPeriod() {
      return budgetPeriod;
    }

    /**
     * Sets {@link #getBudgetPeriod()}.
     *
     * @param budgetPeriod the new value
     */
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
     * Price per 1,000 units by model-name pattern ("*" a wildcard; write the key in brackets, e.g.
     * maasdk.pricing.prices[digits-*]=0.40); first match wins.
     */
    private Map<String, java.math.BigDecimal> prices = new LinkedHashMap<>();

    /** Price per 1,000 units of models no pattern matches; unset, they are not billed. */
    private java.math.BigDecimal defaultPrice;

    /** Units each tenant may use per period before billing starts. */
    private long freeUnitsPerPeriod = 0;

    /** Whether answers served from the response cache are billed. */
    private boolean billCacheHits = true;

    /**
     * The plan's name.
     *
     * @return the configured value
     */
    public String getName() {
      return name;
    }

    /**
     * Sets {@link #getName()}.
     *
     * @param name the new value
     */
    public void setName(String name) {
      this.name = name;
    }

    /**
     * ISO 4217 currency code, e.g. EUR; setting it defines the plan.
     *
     * @return the configured value
     */
    public String getCurrency() {
      return currency;
    }

    /**
     * Sets {@link #getCurrency()}.
     *
     * @param currency the new value
     */
    public void setCurrency(String currency) {
      this.currency = currency;
    }

    /**
     * Price per 1,000 units by model-name pattern ("*" a wildcard; write the key in brackets, e.g.
     * maasdk.pricing.prices[digits-*]=0.40); first match wins.
     *
     * @return the configured value
     */
    public Map<String, java.math.BigDecimal> getPrices() {
      return prices;
    }

    /**
     * Sets {@link #getPrices()}.
     *
     * @param prices the new value
     */
    public void setPrices(Map<String, java.math.BigDecimal> prices) {
      this.prices = prices;
    }

    /**
     * Price per 1,000 units of models no pattern matches; unset, they are not billed.
     *
     * @return the configured value
     */
    public java.math.BigDecimal getDefaultPrice() {
      return defaultPrice;
    }

    /**
     * Sets {@link #getDefaultPrice()}.
     *
     * @param defaultPrice the new value
     */
    public void setDefaultPrice(java.math.BigDecimal defaultPrice) {
      this.defaultPrice = defaultPrice;
    }

    /**
     * Units each tenant may use per period before billing starts.
     *
     * @return the configured value
     */
    public long getFreeUnitsPerPeriod() {
      return freeUnitsPerPeriod;
    }

    /**
     * Sets {@link #getFreeUnitsPerPeriod()}.
     *
     * @param freeUnitsPerPeriod the new value
     */
    public void setFreeUnitsPerPeriod(long freeUnitsPerPeriod) {
      this.freeUnitsPerPeriod = freeUnitsPerPeriod;
    }

    /**
     * Whether answers served from the response cache are billed.
     *
     * @return the configured value
     */
    public boolean isBillCacheHits() {
      return billCacheHits;
    }

    /**
     * Sets {@link #isBillCacheHits()}.
     *
     * @param billCacheHits the new value
     */
    public void setBillCacheHits(boolean billCacheHits) {
      this.billCacheHits = billCacheHits;
    }
  }
}
