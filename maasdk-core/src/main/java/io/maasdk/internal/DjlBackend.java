package io.maasdk.internal;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Translator;
import io.maasdk.ModelSpec;
import io.maasdk.Placement;
import io.maasdk.spi.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Backend}: a DJL {@link Model} per device (loaded by {@link EngineLoader}) and
 * a DJL {@link Predictor} per session. One call goes to {@code predict}, several to {@code
 * batchPredict}; DJL's exceptions are thrown as they are, so {@link Replica} judges them as before.
 */
final class DjlBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(DjlBackend.class);

  private final String engine;

  DjlBackend(String engine) {
    this.engine = engine;
  }

  @Override
  public String engine() {
    return engine;
  }

  @Override
  public <I, O> Loaded<I, O> load(ModelSpec<I, O> spec, Placement placement) {
    Device device = EngineLoader.device(placement);
    List<Model> models =
        EngineLoader.load(
            spec, engine, device, EngineLoader.concurrentSession(spec, engine, device));
    return new DjlLoaded<>(
        spec, engine, models.get(0), models.size() > 1 ? models.get(1) : null, placement.onGpu());
  }

  /**
   * One version on one device. With a {@code concurrent} model (ONNX Runtime on a multi-core CPU,
   * see {@link EngineLoader#concurrentSession}) each session holds a predictor on both, and each
   * engine call picks one: the multi-threaded model when no other call of this version computes on
   * this device, else the single-threaded one, so a lone call gets every core and concurrent calls
   * (at most one per replica) each get one without contending for the same thread pool.
   */
  private static final class DjlLoaded<I, O> implements Loaded<I, O> {
    private final ModelSpec<I, O> spec;
    private final String engine;
    private final Model model;
    private final @Nullable Model concurrent;
    private final boolean gpu;

    private final SessionChoice choice = new SessionChoice();

    DjlLoaded(
        ModelSpec<I, O> spec, String engine, Model model, @Nullable Model concurrent, boolean gpu) {
      this.spec = spec;
      this.engine = engine;
      this.model = model;
      this.concurrent = concurrent;
      this.gpu = gpu;
    }

    @Override
    public Session<I, O> newSession() {
      Translator<I, O> translator = Objects.requireNonNull(spec.translator());
      Predictor<I, O> alone = model.newPredictor(translator);
      Predictor<I, O> together;
      try {
        together = concurrent == null ? alone : concurrent.newPredictor(translator);
      } catch (RuntimeException e) {
        alone.close();
        throw e;
      }
      return new Session<>() {
        @Override
        public List<O> predict(List<Call<I>> calls) throws Exception {
          if (together == alone) {
            return predict(alone, calls);
          }
          Predictor<I, O> p = choice.begin() ? together : alone;
          try {
            return predict(p, calls);
          } finally {
            choice.end();
          }
        }

        private List<O> predict(Predictor<I, O> p, List<Call<I>> calls) throws Exception {
          if (calls.size() == 1) {
            return List.of(p.predict(calls.get(0).input()));
          }
          List<I> inputs = new ArrayList<>(calls.size());
          calls.forEach(c -> inputs.add(c.input()));
          return p.batchPredict(inputs);
        }

        @Override
        public void close() {
          alone.close();
          if (together != alone) {
            together.close();
          }
        }
      };
    }

    /** Without warm-up inputs, proves a GPU by allocating and reading back a tensor on it. */
    @Override
    public void verify(Placement p) {
      if (!p.onGpu()) {
        return;
      }
      try (NDManager m = model.getNDManager().newSubManager(EngineLoader.device(p))) {
        m.zeros(new Shape(1)).toFloatArray();
      } catch (UnsupportedOperationException e) {
        LOG.debug("engine cannot allocate directly; {} is verified by its first call", p.device());
      }
    }

    @Override
    public void close() {
      for (Model m : concurrent == null ? List.of(model) : List.of(model, concurrent)) {
        try {
          m.close();
        } catch (RuntimeException e) {
          LOG.debug("closing {} threw", m.getName(), e);
        }
      }
      if (gpu) {
        EngineLoader.releaseGpuCache(engine);
      }
    }
  }
}
