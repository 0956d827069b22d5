package io.maasdk.internal;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.maasdk.ModelSpec;
import io.maasdk.Placement;
import io.maasdk.spi.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
    Model model = EngineLoader.load(spec, engine, EngineLoader.device(placement));
    return new DjlLoaded<>(spec, engine, model, placement.onGpu());
  }

  private static final class DjlLoaded<I, O> implements Loaded<I, O> {
    private final ModelSpec<I, O> spec;
    private final String engine;
    private final Model model;
    private final boolean gpu;

    DjlLoaded(ModelSpec<I, O> spec, String engine, Model model, boolean gpu) {
      this.spec = spec;
      this.engine = engine;
      this.model = model;
      this.gpu = gpu;
    }

    @Override
    public Session<I, O> newSession() {
      Predictor<I, O> p = model.newPredictor(Objects.requireNonNull(spec.translator()));
      return new Session<>() {
        @Override
        public List<O> predict(List<Call<I>> calls) throws Exception {
          if (calls.size() == 1) {
            return List.of(p.predict(calls.get(0).input()));
          }
          List<I> inputs = new ArrayList<>(calls.size());
          calls.forEach(c -> inputs.add(c.input()));
          return p.batchPredict(inputs);
        }

        @Override
        public void close() {
          p.close();
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
      try {
        model.close();
      } catch (RuntimeException e) {
        LOG.debug("closing {} threw", model.getName(), e);
      }
      if (gpu) {
        EngineLoader.releaseGpuCache(engine);
      }
    }
  }
}
