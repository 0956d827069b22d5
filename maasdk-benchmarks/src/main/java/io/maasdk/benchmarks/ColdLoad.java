package io.maasdk.benchmarks;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.examples.Embeddings;
import io.maasdk.security.EncryptedModelSource;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.SignaturePolicy;
import io.maasdk.spi.DeviceInventory;
import java.nio.file.Path;

/**
 * Child-JVM entry point for {@code security.encrypted_cold_load.ratio}: deploys MiniLM from a
 * plaintext folder or from an encrypted and signed one (keys loaded in the timed section), warms it
 * with one call, and prints the milliseconds from the start of {@code main} and the process's CPU
 * time so far (every thread, the JIT's included).
 *
 * <p>Arguments: {@code plain DIR} or {@code encrypted DIR KEYS_DIR}. The benchmark's keys are
 * written in cleartext under {@code target/} through the explicitly insecure loader: they protect
 * nothing but a public model.
 */
public final class ColdLoad {
  public static void main(String[] args) {
    long t0 = System.nanoTime();
    ModelSpec<String, float[]> base =
        Embeddings.spec("1.0.0", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json");
    ModelSource source;
    if (args[0].equals("plain")) {
      source = ModelSource.directory(Path.of(args[1]));
    } else {
      KeysetLoader insecure = KeysetLoader.insecureCleartext("benchmark keys under target/");
      Path keys = Path.of(args[2]);
      KeysetHandle artifact = insecure.fromFile(keys.resolve("artifact.json"));
      KeysetHandle trusted = KeysetLoader.publicKeys().fromFile(keys.resolve("signing.pub.json"));
      source =
          EncryptedModelSource.builder(Path.of(args[1]), artifact)
              .signatures(SignaturePolicy.required(trusted))
              .build();
    }
    try (ModelRuntime rt =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      rt.deploy(
          ModelSpec.builder("minilm", String.class, float[].class)
              .version("1.0.0")
              .engine("OnnxRuntime")
              .source(source)
              .translator(base.translator())
              .devicePolicy(base.devicePolicy())
              .build());
      rt.handle("minilm", "1.0.0", String.class, float[].class).predict("warm up");
      System.out.println("COLD_LOAD_MS " + (System.nanoTime() - t0) / 1e6);
      System.out.println(
          "CPU_MS "
              + ProcessHandle.current()
                  .info()
                  .totalCpuDuration()
                  .map(java.time.Duration::toMillis)
                  .orElse(-1L));
    }
  }

  private ColdLoad() {}
}
