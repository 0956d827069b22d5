package io.maasdk.ops;

import io.maasdk.Version;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Watches what a model's versions answer and what they are asked, per version, as meters: the
 * output distribution (predicted class counts and a confidence histogram) and input drift against a
 * baseline data set (population stability index per chosen feature). Add it as a listener:
 *
 * <pre>{@code
 * QualityMonitor quality = QualityMonitor.builder(meters)
 *     .outputs("digits", float[].class, logits -> logits)              // class counts, confidence
 *     .drift("digits", baseline,                                         // baseline inputs
 *         Map.of("ink", x -> mean(x), "pixel20", x -> x[20]), 0.2)       // PSI alert at 0.2
 *     .build();
 * ModelRuntime.builder().listener(quality)...
 * }</pre>
 *
 * <p><b>Meters</b> (tags model, version): {@code maasdk.quality.predicted} (counter, tag class),
 * {@code maasdk.quality.confidence} (summary of the top softmax probability, with a histogram),
 * {@code maasdk.quality.drift.psi} (gauge, tag feature: the PSI of the last full window of calls)
 * and {@code maasdk.quality.drift.alerts} (counter, tag feature: windows whose PSI reached the
 * threshold).
 *
 * <p><b>Live accuracy.</b> For a model with {@link Builder#outputs}, every call's predicted class
 * is kept under its {@linkplain io.maasdk.Prediction#callId() call id} in a fixed ring; when the
 * true label becomes known (a chargeback, a human review), report it with {@link #reportTruth}:
 *
 * <pre>{@code
 * Prediction<float[]> p = handle.predictDetailed(x, options);   // a plain call
 * long id = p.callId();                                          // kept with the request
 * ...
 * quality.reportTruth(id, trueLabel);                            // hours later
 * }</pre>
 *
 * <p>Meters {@code maasdk.quality.live_accuracy} (gauge), {@code maasdk.quality.labelled} and
 * {@code maasdk.quality.correct} (counters), per version.
 *
 * <p><b>Bounded.</b> Memory is fixed per version and feature (ten bins), whatever the traffic, and
 * the ring of predicted classes has {@link Builder#trackedCalls} slots (a call's slot is taken over
 * by a later call after at most that many calls in the JVM: its label can no longer be reported). A
 * call costs one score read and a softmax over its classes, one ring write, and one bin search per
 * feature. Only successful calls count; evaluation calls ({@link Evaluator}) are left out.
 * Thread-safe; runs on the thread that completed each call, never blocks.
 */
public final class QualityMonitor implements InferenceListener {
  static final int BINS = 10;

  private final MeterRegistry registry;
  private final int window;
  private final Map<String, OutputSpec> outputs;
  private final Map<String, DriftSpec> drifts;

  /**
   * slot {@code callId & mask} → what that call predicted, until its label comes or a later call
   * takes the slot.
   */
  private final AtomicReferenceArray<TrackedCall> tracked;

  private final int mask;

  private record TrackedCall(long callId, PerVersion version, int predicted) {}

  /**
   * A call whose true label may be reported later ({@link #reportTruth}).
   *
   * @param callId the id to report the label under
   * @param output the model's answer
   * @param version the version that answered
   * @param predicted the predicted class
   * @param <O> the output type
   */
  public record Tracked<O>(long callId, O output, Version version, int predicted) {}

  /** model@version → its meters and bins, created on its first call. */
  private final Map<String, Map<Version, PerVersion>> perVersion = new ConcurrentHashMap<>();

  private record OutputSpec(Function<Object, float[]> scores) {}

  /** Per feature: how to read it, and its baseline's bin edges and shares. */
  private record DriftSpec(
      List<String> names,
      List<ToDoubleFunction<Object>> features,
      double[][] edges,
      double[][] expected,
      double threshold) {}

  private QualityMonitor(Builder b) {
    this.registry = b.registry;
    this.window = b.window;
    this.outputs = Map.copyOf(b.outputs);
    this.drifts = Map.copyOf(b.drifts);
    int slots = Integer.highestOneBit(Math.max(1, b.trackedCalls - 1)) << 1; // power of two
    this.tracked = new AtomicReferenceArray<>(slots);
    this.mask = slots - 1;
  }

  /** Remembers what call {@code callId} predicted, in its ring slot. */
  private void track(long callId, PerVersion pv, int predicted) {
    if (callId > 0) {
      tracked.lazySet((int) (callId & mask), new TrackedCall(callId, pv, predicted));
    }
  }

  /**
   * Calls {@code handle} and remembers what it predicted under the call's id, so that the true
   * label, known later, can be reported with {@link #reportTruth}. A plain call on a runtime this
   * monitor listens to is remembered as well ({@link io.maasdk.Prediction#callId()}); this method
   * also works when it is not a listener, and says what was predicted.
   *
   * @param handle the handle to call
   * @param input the input
   * @param options the call's options
   * @param <I> the model's input type
   * @param <O> the model's output type
   * @return the output, with the call's id, version and predicted class
   * @throws IllegalStateException if {@link Builder#outputs} was not configured for the model
   * @throws io.maasdk.MaasdkException whatever the call throws
   */
  public <I, O> Tracked<O> predict(
      io.maasdk.ModelHandle<I, O> handle, I input, io.maasdk.CallOptions options) {
    OutputSpec out = outputs.get(handle.modelName());
    if (out == null) {
      throw new IllegalStateException(
          "QualityMonitor has no outputs(...) for model "
              + handle.modelName()
              + ", so it cannot tell what a call predicted");
    }
    io.maasdk.Prediction<O> p = handle.predictDetailed(input, options);
    float[] scores = out.scores().apply(p.output());
    int best = 0;
    for (int i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
      }
    }
    String model = handle.modelName();
    Version v = p.version();
    PerVersion pv =
        perVersion
            .computeIfAbsent(model, m -> new ConcurrentHashMap<>())
            .computeIfAbsent(v, x -> new PerVersion(model, x, drifts.get(model)));
    track(p.callId(), pv, best);
    return new Tracked<>(p.callId(), p.output(), v, best);
  }

  /**
   * The true class of call {@code callId} ({@link io.maasdk.Prediction#callId()}), known only now:
   * counts toward its version's live accuracy.
   *
   * @return whether the call was known: false if it was not a successful call of a model with
   *     {@link Builder#outputs}, was reported already, or was forgotten (its ring slot taken by a
   *     later call)
   * @param callId the call's id
   * @param label the call's true class
   */
  public boolean reportTruth(long callId, int label) {
    if (callId <= 0) {
      return false;
    }
    int slot = (int) (callId & mask);
    TrackedCall c = tracked.get(slot);
    if (c == null || c.callId() != callId || !tracked.compareAndSet(slot, c, null)) {
      return false;
    }
    c.version().label(c.predicted() == label);
    return true;
  }

  /**
   * {@link #reportTruth}, under its first name.
   *
   * @param callId the call's id
   * @param label the call's true class
   * @return whether the call was known
   */
  public boolean reportLabel(long callId, int label) {
    return reportTruth(callId, label);
  }

  /**
   * Live accuracy of {@code model@version} over every label reported; NaN before the first.
   *
   * @param model the model's name
   * @param version the version
   * @return the share of reported labels the version predicted, or NaN
   */
  public double liveAccuracy(String model, Version version) {
    PerVersion pv = perVersion.getOrDefault(model, Map.of()).get(version);
    return pv == null ? Double.NaN : pv.liveAccuracy();
  }

  /**
   * A builder of a monitor that registers its meters in {@code registry}.
   *
   * @param registry where the accuracy, confidence and drift meters go
   * @return a new builder
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  @Override
  public void onEvent(InferenceEvent e) {
    if (!e.outcome().isSuccess()
        || e.version() == null
        || Evaluator.OPTIONS.tenant().equals(e.tenant())) {
      return;
    }
    OutputSpec out = outputs.get(e.modelName());
    DriftSpec drift = drifts.get(e.modelName());
    if (out == null && drift == null) {
      return;
    }
    PerVersion pv =
        perVersion
            .computeIfAbsent(e.modelName(), m -> new ConcurrentHashMap<>())
            .computeIfAbsent(e.version(), v -> new PerVersion(e.modelName(), v, drift));
    if (out != null && e.output() != null) {
      track(e.callId(), pv, pv.output(out.scores().apply(e.output())));
    }
    if (drift != null) {
      pv.input(e.input(), drift);
    }
  }

  /**
   * The population stability index of {@code feature} for {@code model@version} over the last full
   * window of calls; NaN before the first window is full.
   *
   * @param model the model's name
   * @param version the version
   * @param feature the feature's name, as given to {@link Builder#drift}
   * @return the population stability index, or NaN
   */
  public double drift(String model, Version version, String feature) {
    PerVersion pv = perVersion.getOrDefault(model, Map.of()).get(version);
    DriftSpec d = drifts.get(model);
    if (pv == null || d == null || !d.names().contains(feature)) {
      return Double.NaN;
    }
    return pv.psi[d.names().indexOf(feature)];
  }

  /** One version's meters and drift bins. */
  private final class PerVersion {
    final String model;
    final Version version;
    final Counter[] predicted = new Counter[64];
    final DistributionSummary confidence;
    final @Nullable AtomicLongArray[] bins;
    final double[] psi;
    final AtomicLong calls = new AtomicLong();
    final Counter[] alerts;
    final AtomicLong labelled = new AtomicLong();
    final AtomicLong correct = new AtomicLong();
    private volatile @Nullable Counter labelledCounter;
    private volatile @Nullable Counter correctCounter;

    void label(boolean right) {
      if (labelledCounter == null) {
        Gauge.builder("maasdk.quality.live_accuracy", this, PerVersion::liveAccuracy)
            .tags("model", model, "version", version.toString())
            .description("share of reported true labels the version predicted")
            .register(registry);
        correctCounter =
            Counter.builder("maasdk.quality.correct")
                .tags("model", model, "version", version.toString())
                .register(registry);
        labelledCounter =
            Counter.builder("maasdk.quality.labelled")
                .tags("model", model, "version", version.toString())
                .register(registry);
      }
      labelled.incrementAndGet();
      labelledCounter.increment();
      if (right) {
        correct.incrementAndGet();
        correctCounter.increment();
      }
    }

    double liveAccuracy() {
      long n = labelled.get();
      return n == 0 ? Double.NaN : correct.get() / (double) n;
    }

    PerVersion(String model, Version version, @Nullable DriftSpec drift) {
      this.model = model;
      this.version = version;
      this.confidence =
          DistributionSummary.builder("maasdk.quality.confidence")
              .tags("model", model, "version", version.toString())
              .description("the top softmax probability of each answer")
              .serviceLevelObjectives(0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
              .register(registry);
      int n = drift == null ? 0 : drift.names().size();
      this.bins = new AtomicLongArray[n];
      this.psi = new double[n];
      this.alerts = new Counter[n];
      for (int f = 0; f < n; f++) {
        bins[f] = new AtomicLongArray(BINS);
        psi[f] = Double.NaN;
        int idx = f;
        String name = drift.names().get(f);
        Gauge.builder("maasdk.quality.drift.psi", this, pv -> pv.psi[idx])
            .tags("model", model, "version", version.toString(), "feature", name)
            .description(
                "population stability index of the feature against its baseline,"
                    + " over the last full window of calls")
            .register(registry);
        alerts[f] =
            Counter.builder("maasdk.quality.drift.alerts")
                .tags("model", model, "version", version.toString(), "feature", name)
                .description("windows whose drift reached the threshold")
                .register(registry);
      }
    }

    /** Records one answer; returns its predicted class. */
    int output(float[] scores) {
      int best = 0;
      for (int i = 1; i < scores.length; i++) {
        if (scores[i] > scores[best]) {
          best = i;
        }
      }
      double sum = 0;
      for (float s : scores) {
        sum += Math.exp(s - scores[best]);
      }
      confidence.record(1 / sum);
      if (best < predicted.length) {
        Counter c = predicted[best];
        if (c == null) {
          c =
              Counter.builder("maasdk.quality.predicted")
                  .tags(
                      "model",
                      model,
                      "version",
                      version.toString(),
                      "class",
                      Integer.toString(best))
                  .description("answers per predicted class")
                  .register(registry);
          predicted[best] = c; // racy but idempotent: the registry returns the same counter
        }
        c.increment();
      }
      return best;
    }

    void input(Object input, DriftSpec d) {
      for (int f = 0; f < bins.length; f++) {
        bins[f].incrementAndGet(bin(d.edges()[f], d.features().get(f).applyAsDouble(input)));
      }
      if (calls.incrementAndGet() % window == 0) {
        closeWindow(d);
      }
    }

    /** Computes each feature's PSI over the window and starts the next one. */
    private synchronized void closeWindow(DriftSpec d) {
      for (int f = 0; f < bins.length; f++) {
        long[] counts = new long[BINS];
        long total = 0;
        for (int b = 0; b < BINS; b++) {
          counts[b] = bins[f].getAndSet(b, 0);
          total += counts[b];
        }
        if (total == 0) {
          continue;
        }
        double v = 0;
        for (int b = 0; b < BINS; b++) { // half a count in every bin: an empty bin is not infinite
          double actual = (counts[b] + 0.5) / (total + 0.5 * BINS);
          double expected = d.expected()[f][b];
          v += (actual - expected) * Math.log(actual / expected);
        }
        psi[f] = v;
        if (v >= d.threshold()) {
          alerts[f].increment();
        }
      }
    }
  }

  /** The bin of {@code x}: the number of inner edges at or below it. */
  static int bin(double[] edges, double x) {
    int lo = 0;
    int hi = edges.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (edges[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Configures a {@link QualityMonitor}. Not thread-safe. */
  public static final class Builder {
    private final MeterRegistry registry;
    private int window = 1000;
    private int trackedCalls = 100_000;
    private final Map<String, OutputSpec> outputs = new LinkedHashMap<>();
    private final Map<String, DriftSpec> drifts = new LinkedHashMap<>();

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Calls per drift window (default 1000): each feature's PSI is computed when a version has seen
     * that many more calls.
     *
     * @param calls the number of calls per window
     * @return this builder
     * @throws IllegalArgumentException if below 10
     */
    public Builder window(int calls) {
      if (calls < 10) {
        throw new IllegalArgumentException("window must be >= 10 calls, was " + calls);
      }
      this.window = calls;
      return this;
    }

    /**
     * Counts {@code model}'s answers per predicted class and records their confidence (the top
     * softmax probability of {@code scores(output)}).
     *
     * @param model the model's name
     * @param outputType the model's output type
     * @param scores reads an output as one score per class
     * @param <O> the model's output type
     * @return this builder
     */
    @SuppressWarnings("unchecked")
    public <O> Builder outputs(String model, Class<O> outputType, Function<O, float[]> scores) {
      Objects.requireNonNull(outputType, "outputType");
      outputs.put(
          Objects.requireNonNull(model, "model"),
          new OutputSpec((Function<Object, float[]>) (Function<?, float[]>) scores));
      return this;
    }

    /**
     * Measures drift of {@code model}'s inputs against {@code baseline}: each feature's baseline
     * values are cut into ten bins at their deciles, and each window of live calls is compared with
     * them by the population stability index (0.1: some shift, 0.2: a significant one, the usual
     * threshold).
     *
     * @param model the model's name
     * @param baseline inputs the model was trained or validated on, at least 100
     * @param features each feature's name and how to read it from an input
     * @param threshold the index from which a feature counts as drifted
     * @param <I> the model's input type
     * @return this builder
     * @throws IllegalArgumentException if the baseline has fewer than 100 inputs, or no feature
     */
    @SuppressWarnings("unchecked")
    public <I> Builder drift(
        String model,
        List<I> baseline,
        Map<String, ToDoubleFunction<I>> features,
        double threshold) {
      if (baseline.size() < 100) {
        throw new IllegalArgumentException(
            "a drift baseline needs at least 100 inputs, got " + baseline.size());
      }
      if (features.isEmpty()) {
        throw new IllegalArgumentException("name at least one feature to measure drift on");
      }
      List<String> names = new ArrayList<>(new java.util.TreeSet<>(features.keySet()));
      List<ToDoubleFunction<Object>> fs = new ArrayList<>();
      double[][] edges = new double[names.size()][];
      double[][] expected = new double[names.size()][];
      for (int f = 0; f < names.size(); f++) {
        ToDoubleFunction<I> fn = features.get(names.get(f));
        fs.add((ToDoubleFunction<Object>) (ToDoubleFunction<?>) fn);
        double[] values = baseline.stream().mapToDouble(fn).sorted().toArray();
        double[] e = new double[BINS - 1];
        for (int b = 1; b < BINS; b++) {
          e[b - 1] = values[(int) ((long) b * values.length / BINS)];
        }
        edges[f] = Arrays.stream(e).distinct().toArray(); // ties collapse bins
        long[] counts = new long[BINS];
        for (double v : values) {
          counts[bin(edges[f], v)]++;
        }
        expected[f] =
            Arrays.stream(counts)
                .mapToDouble(c -> (c + 0.5) / (values.length + 0.5 * BINS))
                .toArray();
      }
      drifts.put(
          Objects.requireNonNull(model, "model"),
          new DriftSpec(names, fs, edges, expected, threshold));
      return this;
    }

    /**
     * Slots of the ring that keeps calls' predicted classes for {@link QualityMonitor#reportTruth}
     * (rounded up to a power of two); a call is forgotten once its slot is taken by a later call,
     * after at most that many calls in the JVM. Default 100,000.
     *
     * @param max the number of slots
     * @return this builder
     * @throws IllegalArgumentException if below 1 or above 2^26
     */
    public Builder trackedCalls(int max) {
      if (max < 1 || max > 1 << 26) {
        throw new IllegalArgumentException("trackedCalls must be in [1, 2^26], was " + max);
      }
      this.trackedCalls = max;
      return this;
    }

    /**
     * Builds the monitor; add it to the runtime as a listener.
     *
     * @return the monitor
     */
    public QualityMonitor build() {
      return new QualityMonitor(this);
    }
  }
}
