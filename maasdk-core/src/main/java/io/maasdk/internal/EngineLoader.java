package io.maasdk.internal;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import io.maasdk.ModelArtifact;
import io.maasdk.ModelLoadException;
import io.maasdk.ModelSpec;
import io.maasdk.Placement;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads one model version onto one device through DJL's engine-neutral {@link Model} API. */
final class EngineLoader {
  private static final Logger LOG = LoggerFactory.getLogger(EngineLoader.class);

  /** DJL's name of its PyTorch engine. */
  static final String PYTORCH = "PyTorch";

  /** DJL's OnnxRuntime model option for a session's intra-op thread count. */
  static final String INTRA_OP_THREADS = "intraOpNumThreads";

  private EngineLoader() {}

  /** The processors this JVM may use (cgroup quota and CPU affinity included). */
  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * The intra-op threads of the ONNX Runtime CPU session that a version's calls use when they run
   * alone: one per core the JVM may use, so a lone call gets every core. maasdk's threads do not
   * spin (see {@link #nonSpinningSessionOptions}). Calls that run while another computes use a
   * second session of one thread ({@link #load(ModelSpec, String, Device, boolean)}). A spec pins
   * its own with {@code engineOption("intraOpNumThreads", "n")}: then one session, and ONNX
   * Runtime's defaults for the rest.
   */
  static int onnxIntraOpThreads(ModelSpec<?, ?> spec) {
    return cores();
  }

  /**
   * The replicas to place for {@code spec}: what it set, else one per core for an ONNX Runtime or
   * PyTorch model that will run on the CPU (its device policy is {@code cpu()}, or the machine has
   * no GPU), else 1. With one replica, concurrent callers' batches ran one engine call at a time
   * and left cores idle (all-MiniLM-L6-v2 on ONNX Runtime, 2 cores: 248 sentences/s at 4 callers,
   * 235 at one, LangChain4j's 4 concurrent calls 357; the benchmarks' TorchScript MLP on PyTorch: a
   * replica per core served 1.83-1.95x the items/s of one at 4 callers, 1.21-1.33x at 16,
   * 1.40-1.46x at 64 and 0.91-0.99x at one). One call per replica at a time lets every core work,
   * while a lone caller still gets every intra-op thread (for ONNX Runtime see {@link
   * #concurrentSession}; PyTorch's threads are JVM-wide in DJL). See the README's "Embeddings".
   */
  static int defaultReplicas(
      ModelSpec<?, ?> spec, String engine, java.util.List<io.maasdk.spi.GpuInfo> gpus) {
    if (spec.replicasSet()
        || spec.backend() != null
        || !(OnnxRuntimeEngines.NAME.equals(engine) || PYTORCH.equals(engine))) {
      return spec.replicas();
    }
    boolean cpu =
        spec.devicePolicy().strategy() == io.maasdk.DevicePolicy.Strategy.CPU || gpus.isEmpty();
    return cpu ? Math.min(256, cores()) : 1;
  }

  /**
   * ONNX Runtime session options whose intra-op threads sleep instead of spinning between
   * operators, or {@code null} if ONNX Runtime's Java API is not reachable. The caller closes them
   * once the session exists (ONNX Runtime copies them into the session).
   */
  private static @Nullable AutoCloseable nonSpinningSessionOptions() {
    try {
      Class<?> type = Class.forName("ai.onnxruntime.OrtSession$SessionOptions");
      Object options = type.getConstructor().newInstance();
      type.getMethod("addConfigEntry", String.class, String.class)
          .invoke(options, "session.intra_op.allow_spinning", "0");
      return (AutoCloseable) options;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LOG.debug("ONNX Runtime session options unavailable; its threads keep spinning", e);
      return null;
    }
  }

  static Device device(Placement p) {
    return p.onGpu() ? Device.gpu(p.gpuIndex()) : Device.cpu();
  }

  /**
   * Whether {@code spec} on {@code device} gets a second, single-threaded ONNX Runtime session for
   * calls that run while another call of the version computes (see {@link #load(ModelSpec, String,
   * Device, boolean)}): an ONNX Runtime model on the CPU of a machine with more than one core,
   * whose intra-op threads the spec left to maasdk, with more than one replica (the default there
   * is one per core).
   */
  static boolean concurrentSession(ModelSpec<?, ?> spec, String engine, Device device) {
    return OnnxRuntimeEngines.NAME.equals(engine)
        && !device.isGpu()
        && cores() > 1
        && !spec.engineOptions().containsKey(INTRA_OP_THREADS)
        && (!spec.replicasSet() || spec.replicas() > 1);
  }

  /**
   * Loads {@code spec} on {@code device}: for an ONNX Runtime CPU model whose threads the spec left
   * to maasdk, as a session with a non-spinning intra-op thread per core ({@link
   * #onnxIntraOpThreads}), otherwise as the spec's engine options say; with {@code concurrent},
   * also as a session of one intra-op thread ({@link #concurrentSession}), both from one opening of
   * the artifact (a verified or decrypted one is not decrypted twice).
   *
   * @return the model for lone calls, then (with {@code concurrent}) the single-threaded one
   */
  static List<Model> load(ModelSpec<?, ?> spec, String engine, Device device, boolean concurrent) {
    checkEngine(spec, engine);
    Map<String, Object> options = new HashMap<>(spec.engineOptions());
    if (device.isGpu() && PYTORCH.equals(engine)) {
      // Tensors saved on another device fail with "Expected all tensors to be on the same device".
      options.putIfAbsent("mapLocation", "true");
    }
    AutoCloseable sessionOptions = null;
    if (!device.isGpu()
        && OnnxRuntimeEngines.NAME.equals(engine)
        && !options.containsKey(INTRA_OP_THREADS)) {
      // ONNX Runtime's own default is one *spinning* thread per physical core, per session: with
      // anything else running (callers tokenizing, other sessions, other processes) the spinning
      // threads take the cores the work needs; a lone call measured up to 3x slower on a busy
      // 2-core machine. maasdk's threads sleep between operators instead; pinned threads are left
      // as ONNX Runtime makes them.
      options.put(INTRA_OP_THREADS, String.valueOf(onnxIntraOpThreads(spec)));
      sessionOptions = nonSpinningSessionOptions();
      if (sessionOptions != null) {
        options.putIfAbsent("sessionOptions", sessionOptions);
      }
    }
    List<Map<String, Object>> sessions = new ArrayList<>();
    sessions.add(options);
    if (concurrent) {
      sessions.add(singleThreaded(spec));
    }
    try {
      return load(spec, engine, device, sessions);
    } finally {
      if (sessionOptions != null) {
        try {
          sessionOptions.close();
        } catch (Exception e) {
          LOG.debug("closing ONNX Runtime session options failed", e);
        }
      }
    }
  }

  /**
   * Loads {@code spec} (an ONNX Runtime CPU model, {@link #concurrentSession}) again as a session
   * of one intra-op thread: it has no thread pool, so each call computes on its caller's thread
   * alone, and concurrent calls, one per replica, each keep a core without handing work to pool
   * threads that other calls occupy. On all-MiniLM-L6-v2 on 2 cores, concurrent calls on the shared
   * multi-threaded session cost 17% more CPU per sentence (6.2 vs 5.3 ms at 4 callers), while a
   * lone call on it is 1.2x faster than on one thread: hence two sessions, each for what it does
   * best.
   */
  private static Map<String, Object> singleThreaded(ModelSpec<?, ?> spec) {
    Map<String, Object> options = new HashMap<>(spec.engineOptions());
    options.put(INTRA_OP_THREADS, "1");
    options.putIfAbsent("interOpNumThreads", "1");
    return options;
  }

  private static void checkEngine(ModelSpec<?, ?> spec, String engine) {
    String subject = spec.name() + "@" + spec.version();
    if (!Engine.hasEngine(engine)) {
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          "cannot load "
              + subject
              + ": DJL engine '"
              + engine
              + "' is not on the classpath"
              + " (found "
              + Engine.getAllEngines()
              + "). Add its engine artifact, e.g."
              + " ai.djl.pytorch:pytorch-engine with pytorch-jni and pytorch-native-cpu.");
    }
  }

  /** One model per option set, all from one opening of the artifact; all or none are returned. */
  private static List<Model> load(
      ModelSpec<?, ?> spec, String engine, Device device, List<Map<String, Object>> sessions) {
    String subject = spec.name() + "@" + spec.version();
    // Open (fetch, verify, decrypt) the artifact on its own thread while the engine starts: both
    // take hundreds of milliseconds on a cold JVM and need different cores. Nothing reaches the
    // engine until open() has returned.
    CompletableFuture<ModelArtifact> opening = openAsync(spec);
    List<Model> models = new ArrayList<>();
    try {
      Engine started =
          OnnxRuntimeEngines.NAME.equals(engine)
              ? OnnxRuntimeEngines
                  .engine() // also when another library made ORT's environment first
              : Engine.getEngine(engine);
      started.getAlternativeEngine(); // DJL's hybrid engine, e.g. PyTorch for ORT
      for (int i = 0; i < sessions.size(); i++) {
        models.add(Model.newInstance(subject, device, engine));
      }
    } catch (RuntimeException | LinkageError e) { // an engine whose static start-up failed
      models.forEach(Model::close);
      closeWhenOpened(opening);
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          "cannot load "
              + subject
              + ": engine "
              + engine
              + " failed to start on "
              + device
              + ": "
              + e,
          e);
    }
    try (ModelArtifact artifact = opened(opening)) {
      Optional<Path> path = artifact.path();
      if (path.isPresent()) {
        String file = artifact.fileName();
        int dot = file.lastIndexOf('.');
        for (int i = 0; i < models.size(); i++) {
          models.get(i).load(path.get(), dot > 0 ? file.substring(0, dot) : file, sessions.get(i));
        }
      } else if (models.size() == 1) {
        try (InputStream in = artifact.openStream()) {
          models.get(0).load(in, sessions.get(0));
        }
      } else {
        byte[] bytes; // in memory only (engines copy a stream into an array anyway)
        try (InputStream in = artifact.openStream()) {
          bytes = in.readAllBytes();
        }
        for (int i = 0; i < models.size(); i++) {
          models.get(i).load(new java.io.ByteArrayInputStream(bytes), sessions.get(i));
        }
      }
      LOG.info(
          "loaded {} from {} on {} ({}{})",
          subject,
          spec.source().describe(),
          device,
          engine,
          models.size() > 1 ? ", with a single-threaded session for concurrent calls" : "");
      return models;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      models.forEach(Model::close);
      if (e instanceof io.maasdk.MaasdkException me) {
        throw me; // e.g. an IntegrityException from a verifying source
      }
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          "cannot load "
              + subject
              + " from "
              + spec.source().describe()
              + " with engine "
              + engine
              + " on "
              + device
              + ": "
              + e,
          e);
    }
  }

  /** Runs {@code source.open} on a short-lived thread that ends when open returns. */
  private static CompletableFuture<ModelArtifact> openAsync(ModelSpec<?, ?> spec) {
    CompletableFuture<ModelArtifact> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(spec.source().open(spec.name(), spec.version()));
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            },
            "maasdk-open-" + spec.name() + "@" + spec.version());
    t.setDaemon(true);
    t.start();
    return f;
  }

  /** The opened artifact, or the exception open threw (IOException or unchecked) as is. */
  private static ModelArtifact opened(CompletableFuture<ModelArtifact> opening) throws IOException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return opening.get();
        } catch (InterruptedException e) {
          interrupted = true; // the open must finish so that its artifact is closed, not leaked
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException io) {
            throw io;
          }
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          if (cause instanceof Error err) {
            throw err;
          }
          throw new IOException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void closeWhenOpened(CompletableFuture<ModelArtifact> opening) {
    try (ModelArtifact a = opened(opening)) {
      LOG.debug("closing {} unused", a.fileName());
    } catch (IOException | RuntimeException e) {
      LOG.debug("the artifact failed to open as well", e);
    }
  }

  /** Frees PyTorch's CUDA caching allocator after a GPU model is closed; no-op otherwise. */
  static void releaseGpuCache(String engine) {
    if (!PYTORCH.equals(engine)) {
      return;
    }
    try {
      Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("emptyCudaCache").invoke(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.debug("could not empty the CUDA cache", e);
    }
  }
}
