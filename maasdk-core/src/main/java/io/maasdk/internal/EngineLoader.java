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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads one model version onto one device through DJL's engine-neutral {@link Model} API. */
final class EngineLoader {
  private static final Logger LOG = LoggerFactory.getLogger(EngineLoader.class);

  private EngineLoader() {}

  static Device device(Placement p) {
    return p.onGpu() ? Device.gpu(p.gpuIndex()) : Device.cpu();
  }

  static Model load(ModelSpec<?, ?> spec, String engine, Device device) {
    String subject = spec.name() + "@" + spec.version();
    if (!Engine.hasEngine(engine)) {
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          "cannot load " + subject + ": DJL engine '" + engine + "' is not on the classpath"
              + " (found " + Engine.getAllEngines() + "). Add its engine artifact, e.g."
              + " ai.djl.pytorch:pytorch-engine with pytorch-jni and pytorch-native-cpu.");
    }
    Map<String, Object> options = new HashMap<>(spec.engineOptions());
    if (device.isGpu() && "PyTorch".equals(engine)) {
      // Tensors saved on another device fail with "Expected all tensors to be on the same device".
      options.putIfAbsent("mapLocation", "true");
    }
    Model model = Model.newInstance(subject, device, engine);
    try (ModelArtifact artifact = spec.source().open(spec.name(), spec.version())) {
      Optional<Path> path = artifact.path();
      if (path.isPresent()) {
        String file = artifact.fileName();
        int dot = file.lastIndexOf('.');
        model.load(path.get(), dot > 0 ? file.substring(0, dot) : file, options);
      } else {
        try (InputStream in = artifact.openStream()) {
          model.load(in, options);
        }
      }
      LOG.info("loaded {} from {} on {} ({})", subject, spec.source().describe(), device, engine);
      return model;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      if (e instanceof io.maasdk.MaasdkException me) {
        throw me; // e.g. an IntegrityException from a verifying source
      }
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          "cannot load " + subject + " from " + spec.source().describe() + " with engine "
              + engine + " on " + device + ": " + e,
          e);
    }
  }

  /** Frees PyTorch's CUDA caching allocator after a GPU model is closed; no-op otherwise. */
  static void releaseGpuCache(String engine) {
    if (!"PyTorch".equals(engine)) {
      return;
    }
    try {
      Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("emptyCudaCache").invoke(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.debug("could not empty the CUDA cache", e);
    }
  }
}
