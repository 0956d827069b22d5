package io.maasdk;

import ai.djl.translate.Translator;
import io.maasdk.spi.Backend;
import io.maasdk.spi.InputValidator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An immutable description of one model version: what to load, how to call it, where and how many
 * times to run it. Build with {@link #builder(String, Class, Class)}:
 *
 * <pre>{@code
 * ModelSpec<float[], float[]> spec = ModelSpec.builder("digits", float[].class, float[].class)
 *     .version("1.0.0")
 *     .source(ModelSource.file(Path.of("models/digits/1.0.0/model.pt")))
 *     .translator(Codecs.floatVector(64))
 *     .replicas(2)
 *     .devicePolicy(DevicePolicy.cpu())
 *     .warmup(new float[64])
 *     .label("owner", "vision-team")
 *     .build();
 * }</pre>
 *
 * @param <I> the input type callers pass to {@link ModelHandle#predict}
 * @param <O> the output type they get back
 */
public final class ModelSpec<I, O> {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final String name;
  private final Version version;
  private final ModelSource source;
  private final Class<I> inputType;
  private final Class<O> outputType;
  private final @Nullable Translator<I, O> translator;
  private final @Nullable InputValidator<I> validator;
  private final @Nullable String engine;
  private final @Nullable Backend backend;
  private final int replicas;
  private final boolean replicasSet;
  private final DevicePolicy devicePolicy;
  private final BatchingPolicy batching;
  private final CachePolicy cachePolicy;
  private final FailurePolicy failurePolicy;
  private final int queueCapacity;
  private final List<I> warmup;
  private final Map<String, String> labels;
  private final Map<String, String> engineOptions;
  private final @Nullable ToIntFunction<? super I> batchLength;

  /** The builder's settings as built, so {@link #toBuilder} copies them the way forVersion does. */
  private final Builder<I, O> settings;

  private ModelSpec(Builder<I, O> b) {
    this.settings = b.copy();
    this.name = b.name;
    this.version = Objects.requireNonNull(b.version, () -> "model " + b.name + ": version not set");
    this.source =
        b.source == null && b.backend != null
            ? describing(b.backend)
            : Objects.requireNonNull(b.source, () -> "model " + b.name + ": source not set");
    this.inputType = b.inputType;
    this.outputType = b.outputType;
    this.backend = b.backend;
    this.translator =
        b.backend != null
            ? b.translator
            : Objects.requireNonNull(
                b.translator, () -> "model " + b.name + ": translator not set");
    this.validator = b.validator;
    this.engine = b.engine;
    this.replicas = b.replicas;
    this.replicasSet = b.replicasSet;
    this.devicePolicy = b.devicePolicy;
    this.batching = b.batching;
    this.cachePolicy = b.cachePolicy;
    this.failurePolicy = b.failurePolicy;
    this.queueCapacity = b.queueCapacity;
    this.warmup = List.copyOf(b.warmup);
    this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(b.labels));
    this.engineOptions = Collections.unmodifiableMap(new LinkedHashMap<>(b.engineOptions));
    this.batchLength = b.batchLength;
  }

  /** The source of a backend version without artifact: it describes the backend, never opens. */
  private static ModelSource describing(Backend backend) {
    return new ModelSource() {
      @Override
      public ModelArtifact open(String modelName, Version version) throws java.io.IOException {
        throw new java.io.IOException(
            modelName
                + "@"
                + version
                + " is computed by "
                + backend
                + " and has no artifact to open");
      }

      @Override
      public String describe() {
        return backend.toString();
      }
    };
  }

  /**
   * Starts a spec for model {@code name} taking {@code inputType} and returning {@code outputType}.
   *
   * @param name letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128
   */
  public static <I, O> Builder<I, O> builder(String name, Class<I> inputType, Class<O> outputType) {
    return new Builder<>(name, inputType, outputType);
  }

  /** A builder starting from this spec's settings, to derive a modified copy. */
  public Builder<I, O> toBuilder() {
    return settings.copy();
  }

  public String name() {
    return name;
  }

  public Version version() {
    return version;
  }

  public ModelSource source() {
    return source;
  }

  public Class<I> inputType() {
    return inputType;
  }

  public Class<O> outputType() {
    return outputType;
  }

  /**
   * The DJL translator between {@code I}/{@code O} and tensors; never {@code null} for a DJL
   * version, {@code null} for a version with a {@link #backend()} that was given none.
   */
  public @Nullable Translator<I, O> translator() {
    return translator;
  }

  /**
   * How this version computes: {@code null} for DJL in this JVM (with {@link #engine()}), else the
   * backend set with {@link Builder#backend}, e.g. a remote endpoint.
   */
  public @Nullable Backend backend() {
    return backend;
  }

  /** The validator set on the spec, else the translator if it is one, else none. */
  @SuppressWarnings("unchecked")
  public @Nullable InputValidator<I> validator() {
    if (validator != null) {
      return validator;
    }
    return translator instanceof InputValidator<?> v ? (InputValidator<I>) v : null;
  }

  /** The DJL engine name, or {@code null} for the runtime's default (PyTorch). */
  public @Nullable String engine() {
    return engine;
  }

  /**
   * The replica count, 1 unless set. When it is not set ({@link #replicasSet()} is false) the
   * runtime deploys an ONNX Runtime model placed on the CPU with one replica per core the JVM may
   * use. Unless {@code engineOption("intraOpNumThreads", n)} pins its threads, it is loaded as two
   * ONNX Runtime sessions: a call that runs alone uses one with an intra-op thread per core, calls
   * that run while another computes use one of a single thread each (the model's weights twice in
   * native memory; see the README's "Embeddings").
   */
  public int replicas() {
    return replicas;
  }

  /**
   * Whether {@link Builder#replicas} was called; if not, the runtime may pick the count (see {@link
   * #replicas()}).
   */
  public boolean replicasSet() {
    return replicasSet;
  }

  /**
   * The length function set with {@link Builder#batchByLength}, or {@code null}: batches are then
   * run as taken.
   */
  public @Nullable ToIntFunction<? super I> batchLength() {
    return batchLength;
  }

  public DevicePolicy devicePolicy() {
    return devicePolicy;
  }

  public BatchingPolicy batching() {
    return batching;
  }

  /** Whether and how responses are cached; {@link CachePolicy#disabled()} unless set. */
  public CachePolicy cachePolicy() {
    return cachePolicy;
  }

  public int queueCapacity() {
    return queueCapacity;
  }

  public FailurePolicy failurePolicy() {
    return failurePolicy;
  }

  public List<I> warmup() {
    return warmup;
  }

  public Map<String, String> labels() {
    return labels;
  }

  public Map<String, String> engineOptions() {
    return engineOptions;
  }

  @Override
  public String toString() {
    return "ModelSpec["
        + name
        + "@"
        + version
        + ", source="
        + source.describe()
        + ", engine="
        + (backend != null ? backend.engine() : engine == null ? "default" : engine)
        + ", replicas="
        + replicas
        + ", "
        + devicePolicy
        + ", "
        + batching
        + ", "
        + cachePolicy
        + "]";
  }

  /** Builds a {@link ModelSpec}; each setter validates at once. Not thread-safe. */
  public static final class Builder<I, O> {
    private final String name;
    private final Class<I> inputType;
    private final Class<O> outputType;
    private @Nullable Version version;
    private @Nullable ModelSource source;
    private @Nullable Translator<I, O> translator;
    private @Nullable InputValidator<I> validator;
    private @Nullable String engine;
    private @Nullable Backend backend;
    private int replicas = 1;
    private boolean replicasSet;
    private DevicePolicy devicePolicy = DevicePolicy.ofDefaults();
    private BatchingPolicy batching = BatchingPolicy.disabled();
    private CachePolicy cachePolicy = CachePolicy.disabled();
    private FailurePolicy failurePolicy = FailurePolicy.ofDefaults();
    private int queueCapacity = 1000;
    private final List<I> warmup = new ArrayList<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final Map<String, String> engineOptions = new LinkedHashMap<>();
    private @Nullable ToIntFunction<? super I> batchLength;

    private Builder(String name, Class<I> inputType, Class<O> outputType) {
      Objects.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "'"
                + name
                + "' is not a valid model name: use letters, digits, '.', '_' and '-',"
                + " starting with a letter or digit, at most 128 characters");
      }
      this.name = name;
      this.inputType = Objects.requireNonNull(inputType, "inputType");
      this.outputType = Objects.requireNonNull(outputType, "outputType");
    }

    /** The model's name. */
    public String name() {
      return name;
    }

    /**
     * A new, independent builder with this template's settings for {@code version} from {@code
     * source}: how {@link ModelRuntime#deployAll} and the repository watchers instantiate a
     * template once per version found. This builder is left unchanged.
     */
    public Builder<I, O> forVersion(Version version, ModelSource source) {
      Builder<I, O> b = copy();
      b.version = Objects.requireNonNull(version, "version");
      b.source = Objects.requireNonNull(source, "source");
      return b;
    }

    /** An independent builder with every setting of this one: the one place that lists them. */
    private Builder<I, O> copy() {
      Builder<I, O> b = new Builder<>(name, inputType, outputType);
      b.version = version;
      b.source = source;
      b.translator = translator;
      b.validator = validator;
      b.engine = engine;
      b.backend = backend;
      b.replicas = replicas;
      b.replicasSet = replicasSet;
      b.devicePolicy = devicePolicy;
      b.batching = batching;
      b.cachePolicy = cachePolicy;
      b.failurePolicy = failurePolicy;
      b.queueCapacity = queueCapacity;
      b.warmup.addAll(warmup);
      b.labels.putAll(labels);
      b.engineOptions.putAll(engineOptions);
      b.batchLength = batchLength;
      return b;
    }

    public Builder<I, O> version(String version) {
      return version(Version.parse(version));
    }

    public Builder<I, O> version(Version version) {
      this.version = Objects.requireNonNull(version, "version");
      return this;
    }

    public Builder<I, O> source(ModelSource source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** The DJL translator between {@code I}/{@code O} and tensors; see {@code Codecs}. */
    public Builder<I, O> translator(Translator<I, O> translator) {
      this.translator = Objects.requireNonNull(translator, "translator");
      return this;
    }

    /** Checks inputs before they are queued; overrides a translator that validates. */
    public Builder<I, O> validator(InputValidator<I> validator) {
      this.validator = Objects.requireNonNull(validator, "validator");
      return this;
    }

    /** A DJL engine name: {@code PyTorch} (the default) or {@code OnnxRuntime}. */
    public Builder<I, O> engine(String engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * Computes this version with {@code backend} instead of DJL in this JVM (see {@link Backend});
     * the translator and the source are then optional (the source defaults to one that describes
     * the backend by its {@code toString()}) and {@link #engine} is ignored. Everything else
     * (replicas, batching, cache, failure policy, queue, warm-up) applies as for a local version.
     */
    public Builder<I, O> backend(Backend backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    /**
     * Worker replicas, each with its own DJL Predictor and thread (1 to 256). Unset: 1, except an
     * ONNX Runtime model placed on the CPU, which gets one per core the JVM may use.
     */
    public Builder<I, O> replicas(int replicas) {
      if (replicas < 1 || replicas > 256) {
        throw new IllegalArgumentException("replicas must be 1..256, was " + replicas);
      }
      this.replicas = replicas;
      this.replicasSet = true;
      return this;
    }

    public Builder<I, O> devicePolicy(DevicePolicy policy) {
      this.devicePolicy = Objects.requireNonNull(policy, "devicePolicy");
      return this;
    }

    public Builder<I, O> batching(BatchingPolicy batching) {
      this.batching = Objects.requireNonNull(batching, "batching");
      return this;
    }

    /**
     * The response cache for this version; default {@link CachePolicy#disabled()}. Turn it on only
     * for models whose output depends on nothing but the input (no sampling, no clock).
     */
    public Builder<I, O> cachePolicy(CachePolicy policy) {
      this.cachePolicy = Objects.requireNonNull(policy, "cachePolicy");
      return this;
    }

    /** Replica restart and circuit-breaker settings; default {@link FailurePolicy#ofDefaults()}. */
    public Builder<I, O> failurePolicy(FailurePolicy policy) {
      this.failurePolicy = Objects.requireNonNull(policy, "failurePolicy");
      return this;
    }

    /** Requests that may wait per version before calls are refused as overloaded (1 to 10^6). */
    public Builder<I, O> queueCapacity(int capacity) {
      if (capacity < 1 || capacity > 1_000_000) {
        throw new IllegalArgumentException("queueCapacity must be 1..1000000, was " + capacity);
      }
      this.queueCapacity = capacity;
      return this;
    }

    /** Inputs run once on every replica before the version takes traffic. */
    @SafeVarargs
    public final Builder<I, O> warmup(I... inputs) {
      for (I i : inputs) {
        warmup.add(Objects.requireNonNull(i, "warmup input"));
      }
      return this;
    }

    /** Free-form metadata (owner, price unit…), visible in {@link ModelRuntime#describe}. */
    public Builder<I, O> label(String key, String value) {
      labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** An option passed to DJL's {@code Model.load}, such as {@code mapLocation=true}. */
    public Builder<I, O> engineOption(String key, String value) {
      engineOptions.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * For inputs of variable length that the translator pads to the longest in a batch (text): each
     * batch a worker takes is split into groups of similar {@code lengthOf} (e.g. token count), and
     * each group is one engine call, so that short inputs are not padded to a long one. Groups are
     * chosen to minimize padded length plus a per-call cost; inputs of equal length stay in one
     * call. Has no effect without {@link #batching batching}.
     *
     * @param lengthOf called on a worker thread for every input of a batch, concurrently for
     *     different batches; must be cheap, thread-safe and not throw (a negative or failing length
     *     counts as 0). {@code TextEmbeddingCodec#tokenCount} is one.
     */
    public Builder<I, O> batchByLength(ToIntFunction<? super I> lengthOf) {
      this.batchLength = Objects.requireNonNull(lengthOf, "lengthOf");
      return this;
    }

    /**
     * @throws NullPointerException naming the missing setting (version, source, translator unless a
     *     backend is set)
     */
    public ModelSpec<I, O> build() {
      return new ModelSpec<>(this);
    }
  }
}
