package io.maasdk.benchmarks;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * overhead.single_caller.ratio (issue #3): one caller through maasdk {@code predict} (batching off,
 * one replica) against the same DJL {@code Predictor.predict} called directly, on the TorchScript
 * MLP 512→1024→1024→10. Both cycle through the same 256 inputs. Run by {@link BenchmarkSuite}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OverheadBenchmark {
  static final Path MODEL = Path.of("target/bench/mlp512.pt");

  /** 256 fixed inputs, the same in every fork, taken in turn. */
  public abstract static class Inputs {
    final float[][] inputs = new float[256][512];
    private int next;

    Inputs() {
      Random r = new Random(42);
      for (float[] x : inputs) {
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) r.nextGaussian();
        }
      }
    }

    float[] next() {
      return inputs[next++ & 255];
    }
  }

  /** A DJL Predictor of its own, as an application without maasdk would hold one. */
  @State(Scope.Thread)
  public static class Raw extends Inputs {
    Model model;
    Predictor<float[], float[]> predictor;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Path file = TestModels.writeBenchMlp(MODEL);
      model = Model.newInstance("raw", Device.cpu(), "PyTorch");
      model.load(file.getParent(), "mlp512", Map.of());
      predictor = model.newPredictor(Codecs.floatVector(512));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      predictor.close();
      model.close();
    }
  }

  /** maasdk, batching off, one replica. */
  @State(Scope.Thread)
  public static class Sdk extends Inputs {
    ModelRuntime runtime;
    ModelHandle<float[], float[]> handle;

    @Setup(Level.Trial)
    public void setUp() {
      Path file = TestModels.writeBenchMlp(MODEL);
      runtime = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build();
      runtime.deploy(
          ModelSpec.builder("mlp512", float[].class, float[].class)
              .version("1.0.0")
              .source(ModelSource.file(file))
              .translator(Codecs.floatVector(512))
              .devicePolicy(DevicePolicy.cpu())
              .batching(BatchingPolicy.disabled())
              .replicas(1) // the figure is about one replica
              .warmup(inputs[0])
              .build());
      handle = runtime.handle("mlp512", "1.0.0", float[].class, float[].class);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      runtime.close();
    }
  }

  @Benchmark
  public float[] rawPredictor(Raw s) throws TranslateException {
    return s.predictor.predict(s.next());
  }

  @Benchmark
  public float[] maasdkPredict(Sdk s) {
    return s.handle.predict(s.next());
  }
}
