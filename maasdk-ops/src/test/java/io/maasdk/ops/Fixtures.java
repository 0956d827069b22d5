package io.maasdk.ops;

import io.maasdk.DevicePolicy;
import io.maasdk.ModelRepository;
import io.maasdk.ModelSpec;
import io.maasdk.Ticker;
import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Real digits models in real repository folders, and a ticker tests move by hand. */
final class Fixtures {
  static final String MODEL = "digits-mlp";
  static final TestModels.DigitsTestSet TEST_SET = TestModels.digitsTestSet();

  private Fixtures() {}

  static ModelSpec.Builder<float[], float[]> template() {
    return ModelSpec.builder(MODEL, float[].class, float[].class)
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu())
        .batching(io.maasdk.BatchingPolicy.of(32, java.time.Duration.ofMillis(2)))
        .warmup(TEST_SET.features()[0]);
  }

  /** Puts digits-mlp {@code modelFile}'s model.pt into {@code <root>/digits-mlp/<folder>/}. */
  static Path version(Path root, String folder, String modelFile) {
    return TestModels.copy(
            TestModels.digitsResource("mlp", modelFile),
            root.resolve(MODEL).resolve(folder).resolve("model.pt"))
        .getParent();
  }

  static ModelStore store(Path root) {
    return ModelStore.fileSystem(ModelRepository.at(root));
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ClassificationData<float[], float[]> testData() {
    return ClassificationData.logits(TEST_SET.features(), TEST_SET.labels(), 10);
  }

  /** Polls {@code condition} until it holds or {@code seconds} pass; false on timeout. */
  static boolean await(BooleanSupplier condition, int seconds) throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  /** A ticker that only moves when told. */
  static final class ManualTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
      return nanos.get();
    }

    void advance(java.time.Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }
}
