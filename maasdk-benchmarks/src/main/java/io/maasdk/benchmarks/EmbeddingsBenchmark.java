package io.maasdk.benchmarks;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.maasdk.BatchingPolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.benchmarks.BenchmarkSuite.Figure;
import io.maasdk.examples.Embeddings;
import io.maasdk.spi.DeviceInventory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/**
 * maasdk serving all-MiniLM-L6-v2 exactly as the Embeddings example and the README deploy it
 * (maasdk's defaults) against LangChain4j's {@code AllMiniLmL6V2EmbeddingModel} (the same ONNX file
 * on ONNX Runtime), in the same JVM, on the same 256 English sentences of 8-40 words.
 *
 * <p>Each point is measured in interleaved rounds, maasdk then LangChain4j then LangChain4j then
 * maasdk (A B B A), so drift in the machine's speed falls on both; a round's ratio uses the mean of
 * its two measurements per side, and the figure is the median over rounds, with the range in the
 * note. Callers are closed-loop threads, each cycling through the sentences from its own offset.
 * maasdk's response cache is off (the spec's default; the example does not turn it on), so repeated
 * sentences are computed every time. LangChain4j is called with {@code embed} per caller; its
 * {@code embedAll} over all 256 sentences from one thread is reported as its batch ceiling.
 *
 * <p>{@code -Dembeddings.variants=true} also measures maasdk variants that differ from the defaults
 * in one setting each (no length buckets, no batching, one replica as before issue #18, a replica
 * per core of one thread each with no multi-threaded session for lone calls, ONNX Runtime's
 * inter-op parallelism, ONNX Runtime's spinning threads, two replicas per core, DJL's {@code
 * TextEmbeddingTranslator}), A B B A against the defaults: the figures the README's choice of
 * defaults rests on. Knobs for such runs ({@code -D} on the Maven command line, passed to the
 * benchmark JVM): {@code embeddings.variants.only} (parts of the variants' names, separated by
 * {@code ;}), {@code embeddings.variants.callers} (default {@code 1,64}), {@code
 * embeddings.callers} (the points measured against LangChain4j, {@code 1,4,16,64}; the figures' ids
 * assume the first is 1 and the last 64), {@code embeddings.rounds} (3) and {@code
 * embeddings.seconds} (1.5 per measurement). On a machine that other work loads in phases, many
 * short rounds ({@code -Dembeddings.seconds=0.4 -Dembeddings.rounds=9}) put both sides of a ratio
 * in the same phase more often than a few long ones.
 */
final class EmbeddingsBenchmark {
  static final int SENTENCES = 256;
  static final int ROUNDS = Integer.getInteger("embeddings.rounds", 3);
  static final double WARMUP_S = 0.5;
  static final double MEASURE_S =
      Double.parseDouble(System.getProperty("embeddings.seconds", "1.5"));
  static final int[] CALLERS = ints("embeddings.callers", "1,4,16,64");

  /**
   * The caller counts the variants are measured at ({@code -Dembeddings.variants.callers=1,64}).
   */
  static final int[] VARIANT_CALLERS = ints("embeddings.variants.callers", "1,64");

  static final int CORES = Runtime.getRuntime().availableProcessors();

  private EmbeddingsBenchmark() {}

  private static int[] ints(String property, String defaults) {
    return Arrays.stream(System.getProperty(property, defaults).split(","))
        .mapToInt(x -> Integer.parseInt(x.trim()))
        .toArray();
  }

  /** The figures; prints every measurement as it goes. */
  static List<Figure> run() throws Exception {
    List<String> sentences = sentences();
    String loadBefore = loadAverage();
    EmbeddingModel lc4j = new AllMiniLmL6V2EmbeddingModel(); // creates ORT's environment first
    List<Figure> out = new ArrayList<>();
    try (ModelRuntime rt = runtime()) {
      rt.deploy(
          Embeddings.spec("1.0.0", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"));
      ModelHandle<String, float[]> maasdk =
          rt.handle("minilm", "1.0.0", String.class, float[].class);
      double minCos = agreement(sentences, maasdk, lc4j);

      double[][] ratios = new double[CALLERS.length][];
      double[][] mRates = new double[CALLERS.length][];
      double[][] lRates = new double[CALLERS.length][];
      double[][] batches = new double[CALLERS.length][];
      for (int p = 0; p < CALLERS.length; p++) {
        int callers = CALLERS[p];
        ratios[p] = new double[ROUNDS];
        mRates[p] = new double[ROUNDS];
        lRates[p] = new double[ROUNDS];
        batches[p] = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
          meanBatch("1.0.0");
          double m1 = rate(callers, sentences, s -> maasdk.predict(s));
          batches[p][r] = meanBatch("1.0.0");
          System.out.printf(Locale.ROOT, "    mean batch %.2f%n", batches[p][r]);
          double l1 = rate(callers, sentences, s -> lc4j.embed(s).content().vector());
          double l2 = rate(callers, sentences, s -> lc4j.embed(s).content().vector());
          double m2 = rate(callers, sentences, s -> maasdk.predict(s));
          mRates[p][r] = (m1 + m2) / 2;
          lRates[p][r] = (l1 + l2) / 2;
          ratios[p][r] = mRates[p][r] / lRates[p][r];
          System.out.printf(
              Locale.ROOT,
              "embeddings %2d callers round %d: maasdk %.0f/%.0f, LangChain4j %.0f/%.0f sentences/s%n",
              callers,
              r + 1,
              m1,
              m2,
              l1,
              l2);
        }
      }
      double[] ceiling = new double[ROUNDS];
      List<TextSegment> segments = sentences.stream().map(TextSegment::from).toList();
      lc4j.embedAll(segments);
      for (int r = 0; r < ROUNDS; r++) {
        long t0 = System.nanoTime();
        lc4j.embedAll(segments);
        ceiling[r] = SENTENCES / ((System.nanoTime() - t0) / 1e9);
      }
      String variants = Boolean.getBoolean("embeddings.variants") ? variants(rt, sentences) : "";
      String machine =
          String.format(
              Locale.ROOT,
              "%d cores; load average (1/5/15 min) %s before, %s after",
              Runtime.getRuntime().availableProcessors(),
              loadBefore,
              loadAverage());

      StringBuilder points = new StringBuilder();
      for (int p = 0; p < CALLERS.length; p++) {
        points.append(
            String.format(
                Locale.ROOT,
                "%s%d callers %.2fx (%.2f-%.2f; %.0f vs %.0f/s; engine calls of %.1f"
                    + " sentences on average)",
                p == 0 ? "" : ", ",
                CALLERS[p],
                median(ratios[p]),
                min(ratios[p]),
                max(ratios[p]),
                median(mRates[p]),
                median(lRates[p]),
                median(batches[p])));
      }
      String common =
          String.format(
              Locale.ROOT,
              "%d rounds A B B A, %.1f s per measurement; median ratio (min-max) and sentences/s,"
                  + " maasdk vs LangChain4j embed per caller: %s. LangChain4j embedAll (one thread, 256"
                  + " sentences): %.0f/s (%.0f-%.0f). maasdk as the README deploys it (defaults: %s),"
                  + " response cache off. Vectors agree: min cosine %.6f over %d sentences. %s.%s",
              ROUNDS,
              MEASURE_S,
              points,
              median(ceiling),
              min(ceiling),
              max(ceiling),
              defaults(rt),
              minCos,
              SENTENCES,
              machine,
              variants);

      // single caller: latency ratio = inverse of the throughput ratio of one closed-loop caller
      double[] latency = Arrays.stream(ratios[0]).map(x -> 1 / x).toArray();
      out.add(
          new Figure(
              "embeddings.vs_langchain4j.single_caller.ratio",
              median(latency),
              "ratio",
              1000 / median(lRates[0]),
              median(latency),
              "<= 1.0",
              String.format(
                      Locale.ROOT,
                      "maasdk mean latency / LangChain4j's, one caller (%.2f-%.2f;"
                          + " LangChain4j %.2f ms). ",
                      min(latency),
                      max(latency),
                      1000 / median(lRates[0]))
                  + common));
      int p64 = CALLERS.length - 1;
      out.add(
          new Figure(
              "embeddings.vs_langchain4j.64_callers.ratio",
              median(ratios[p64]),
              "ratio",
              median(lRates[p64]),
              median(ratios[p64]),
              ">= 1.5",
              String.format(
                      Locale.ROOT,
                      "maasdk sentences/s / LangChain4j's at 64 callers (%.2f-%.2f)." + " ",
                      min(ratios[p64]),
                      max(ratios[p64]))
                  + common));
    }
    return out;
  }

  /** What the deployed spec's defaults came to, for the note. */
  private static String defaults(ModelRuntime rt) {
    int replicas =
        rt.describe("minilm", io.maasdk.Version.parse("1.0.0")).orElseThrow().placements().size();
    return replicas
        + " replica(s); a call that runs alone uses an ONNX Runtime session of "
        + CORES
        + " non-spinning intra-op thread(s), calls that run together a session of one thread"
        + " each; batching 32 / 2 ms split by token count, tokenized on the callers' threads";
  }

  /** maasdk variants, each differing from the example's spec in one setting, A B B A vs it. */
  private static String variants(ModelRuntime rt, List<String> sentences) throws Exception {
    ModelHandle<String, float[]> base = rt.handle("minilm", "1.0.0", String.class, float[].class);
    StringBuilder sb = new StringBuilder(" Variants (rate vs the defaults, A B B A):");
    record Variant(String name, UnaryOperator<ModelSpec.Builder<String, float[]>> change) {}
    List<Variant> variants =
        List.of(
            new Variant("no length buckets", b -> withoutBuckets(b)),
            new Variant("no batching", b -> b.batching(BatchingPolicy.disabled())),
            new Variant("1 replica (the old default)", b -> b.replicas(1)),
            // one thread: no pool, so nothing spins
            new Variant(
                "N replicas x 1 thread",
                b -> b.replicas(CORES).engineOption("intraOpNumThreads", "1")),
            new Variant(
                "1 replica, parallel execution",
                b ->
                    b.replicas(1)
                        .engineOption("executionMode", "PARALLEL")
                        .engineOption("interOpNumThreads", String.valueOf(CORES))),
            new Variant(
                "1 replica x N spinning threads",
                b -> b.replicas(1).engineOption("intraOpNumThreads", String.valueOf(CORES))),
            new Variant("2N replicas", b -> b.replicas(2 * CORES)),
            new Variant("DJL TextEmbeddingTranslator", b -> withDjlTranslator(b)));
    int v = 1;
    String only = System.getProperty("embeddings.variants.only", "");
    for (Variant variant : variants) {
      if (java.util.Arrays.stream(only.split(";")).noneMatch(variant.name()::contains)) {
        continue;
      }
      String version = "1.0." + v++;
      ModelSpec.Builder<String, float[]> b = specBuilder().version(version);
      rt.deploy(variant.change().apply(b).build());
      ModelHandle<String, float[]> h = rt.handle("minilm", version, String.class, float[].class);
      for (int callers : VARIANT_CALLERS) {
        double[] ratio = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
          double a1 = rate(callers, sentences, s -> base.predict(s));
          meanBatch(version);
          double b1 = rate(callers, sentences, s -> h.predict(s));
          System.out.printf(Locale.ROOT, "    mean batch %.2f%n", meanBatch(version));
          double b2 = rate(callers, sentences, s -> h.predict(s));
          double a2 = rate(callers, sentences, s -> base.predict(s));
          ratio[r] = (b1 + b2) / (a1 + a2);
        }
        sb.append(
            String.format(
                Locale.ROOT,
                " %s at %d caller%s %.2fx (%.2f-%.2f);",
                variant.name(),
                callers,
                callers == 1 ? "" : "s",
                median(ratio),
                min(ratio),
                max(ratio)));
        System.out.println(sb);
      }
      // stays deployed (its handle pins it); idle replicas only poll their queue
    }
    return sb.toString();
  }

  private static ModelSpec.Builder<String, float[]> specBuilder() {
    return Embeddings.specBuilder("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json");
  }

  private static ModelSpec.Builder<String, float[]> withoutBuckets(
      ModelSpec.Builder<String, float[]> b) {
    return b.batchByLength(s -> 0); // every input the same length: one group, as taken
  }

  private static ModelSpec.Builder<String, float[]> withDjlTranslator(
      ModelSpec.Builder<String, float[]> b) {
    HuggingFaceTokenizer tok = Embeddings.tokenizer("all-minilm-l6-v2-tokenizer.json");
    return b.translator(
            ai.djl.huggingface.translator.TextEmbeddingTranslator.builder(tok)
                .optPoolingMode("mean")
                .optNormalize(true)
                .optIncludeTokenTypes(true)
                .build())
        .batchByLength(s -> 0);
  }

  @FunctionalInterface
  interface Embed {
    float[] embed(String s) throws Exception;
  }

  /** Sentences per second of {@code callers} closed-loop threads, each cycling the sentences. */
  private static double rate(int callers, List<String> sentences, Embed embed) throws Exception {
    AtomicInteger[] next = new AtomicInteger[callers];
    for (int c = 0; c < callers; c++) {
      next[c] = new AtomicInteger(c * (SENTENCES / callers));
    }
    long cpu0 = processCpuNanos();
    LoadGenerator.Result r =
        LoadGenerator.run(
            callers,
            WARMUP_S,
            MEASURE_S,
            c -> {
              embed.embed(sentences.get(next[c].getAndIncrement() % SENTENCES));
              return 1;
            });
    if (r.failures() > 0) {
      throw new IllegalStateException(r.failures() + " calls failed at " + callers + " callers");
    }
    // The process's CPU per sentence (warm-up included, pro rata): less sensitive than the rate
    // to other processes on a shared machine, printed for choosing defaults.
    double cpuMs =
        (processCpuNanos() - cpu0) / 1e6 / (r.items() * (WARMUP_S + MEASURE_S) / MEASURE_S);
    System.out.printf(
        Locale.ROOT,
        "    %d callers: %.0f sentences/s, %.2f CPU-ms/sentence%n",
        callers,
        r.itemsPerSecond(),
        cpuMs);
    return r.itemsPerSecond();
  }

  /** The lowest cosine between the two libraries' vectors over all sentences. */
  private static double agreement(
      List<String> sentences, ModelHandle<String, float[]> maasdk, EmbeddingModel lc4j) {
    double min = 1;
    for (String s : sentences) {
      min = Math.min(min, Embeddings.cosine(maasdk.predict(s), lc4j.embed(s).content().vector()));
    }
    if (min < 0.999) {
      throw new IllegalStateException("maasdk and LangChain4j disagree: min cosine " + min);
    }
    return min;
  }

  /**
   * 256 distinct English sentences of 8 to 40 words, the same in every run: subject, verb and
   * object phrases drawn with a fixed seed, extended with prepositional phrases to the drawn
   * length.
   */
  static List<String> sentences() {
    String[] subjects = {
      "The engineer",
      "A small team",
      "Our customer",
      "The old library",
      "Every student",
      "The quarterly report",
      "A tired driver",
      "The city council",
      "My neighbour",
      "The new model",
      "A curious child",
      "The support desk",
      "The orchestra",
      "A local bakery",
      "The research group",
      "The hospital"
    };
    String[] verbs = {
      "reviewed",
      "rejected",
      "described",
      "improved",
      "ignored",
      "praised",
      "delivered",
      "measured",
      "questioned",
      "explained",
      "repaired",
      "announced",
      "painted",
      "translated",
      "scheduled",
      "summarized"
    };
    String[] objects = {
      "the budget",
      "a broken bicycle",
      "the weather forecast",
      "an unusual song",
      "the shipping delay",
      "a detailed proposal",
      "the evening news",
      "the garden fence",
      "a strange noise",
      "the training data",
      "the river bridge",
      "a long novel",
      "the price increase",
      "the team meeting",
      "a cup of coffee",
      "the server logs"
    };
    String[] phrases = {
      "after a long day",
      "in the morning",
      "with great care",
      "near the station",
      "before the holidays",
      "without any warning",
      "during the storm",
      "for the second time",
      "despite the cost",
      "on a quiet street",
      "at the end of the week",
      "under bright lights",
      "with two colleagues",
      "because of the rain",
      "in front of everyone",
      "over several months",
      "as the sun went down",
      "while the coffee cooled"
    };
    Random rnd = new Random(20261203);
    Set<String> out = new LinkedHashSet<>();
    while (out.size() < SENTENCES) {
      int target = 8 + rnd.nextInt(33);
      StringBuilder sb = new StringBuilder();
      sb.append(subjects[rnd.nextInt(subjects.length)])
          .append(' ')
          .append(verbs[rnd.nextInt(verbs.length)])
          .append(' ')
          .append(objects[rnd.nextInt(objects.length)]);
      int words = sb.toString().split(" ").length;
      while (words < target) {
        String p = phrases[rnd.nextInt(phrases.length)];
        sb.append(' ').append(p);
        words += p.split(" ").length;
      }
      if (words > 40) {
        continue;
      }
      out.add(sb.append('.').toString());
    }
    return List.copyOf(out);
  }

  /** Per version: engine calls' members summed, and calls (a call of n members counts n times). */
  private static final Map<String, LongAdder[]> BATCHES = new ConcurrentHashMap<>();

  private static ModelRuntime runtime() {
    return ModelRuntime.builder()
        .deviceInventory(DeviceInventory.cpuOnly())
        .listener(
            e -> {
              LongAdder[] a =
                  BATCHES.computeIfAbsent(
                      String.valueOf(e.version()),
                      v -> new LongAdder[] {new LongAdder(), new LongAdder()});
              a[0].add(e.batchSize());
              a[1].increment();
            })
        .build();
  }

  /** The mean engine-call size a caller of {@code version} shared since the last call; resets. */
  private static double meanBatch(String version) {
    LongAdder[] a = BATCHES.remove(version);
    return a == null || a[1].sum() == 0 ? 0 : a[0].sum() / (double) a[1].sum();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + "/" + f[1] + "/" + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static double min(double[] xs) {
    return Arrays.stream(xs).min().orElse(Double.NaN);
  }

  private static double max(double[] xs) {
    return Arrays.stream(xs).max().orElse(Double.NaN);
  }
}
