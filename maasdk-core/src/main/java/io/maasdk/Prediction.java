package io.maasdk;

import java.util.Objects;

/**
 * A model's output together with where it came from: the version that computed it (after alias,
 * range or canary resolution), the device, and whether it was served from the response cache.
 *
 * @param output the model's output
 * @param modelName the model's name
 * @param version the version that produced {@code output}
 * @param device the device that computed it ({@code cpu()}, {@code gpu(0)}…; for a cache hit, the
 *     device of the original computation is not tracked and this is {@code "cache"})
 * @param cacheHit whether the output came from the response cache
 * @param callId the call's id, unique in this JVM and increasing in the order calls were made
 *     (cache hits included); the same id is on the call's {@link
 *     io.maasdk.spi.InferenceEvent#callId() event}, so a label known later can be reported for it.
 *     {@code 0} for a prediction a runtime did not make
 */
public record Prediction<O>(
    O output, String modelName, Version version, String device, boolean cacheHit, long callId) {
  /**
   * Checks that the names, version and device are given.
   *
   * @param output the model's output
   * @param modelName the model's name
   * @param version the version that produced {@code output}
   * @param device the device that computed it ({@code cpu()}, {@code gpu(0)}…; for a cache hit, the
   *     device of the original computation is not tracked and this is {@code "cache"})
   * @param cacheHit whether the output came from the response cache
   * @param callId the call's id, unique in this JVM and increasing in the order calls were made
   *     (cache hits included); the same id is on the call's {@link
   *     io.maasdk.spi.InferenceEvent#callId() event}, so a label known later can be reported for
   *     it. {@code 0} for a prediction a runtime did not make
   */
  public Prediction {
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(device, "device");
  }

  /**
   * A prediction without a call id ({@code 0}): one a runtime did not make.
   *
   * @param output the model's output
   * @param modelName the model's name
   * @param version the version that produced {@code output}
   * @param device the device that computed it ({@code cpu()}, {@code gpu(0)}…; for a cache hit, the
   *     device of the original computation is not tracked and this is {@code "cache"})
   * @param cacheHit whether the output came from the response cache
   */
  public Prediction(O output, String modelName, Version version, String device, boolean cacheHit) {
    this(output, modelName, version, device, cacheHit, 0);
  }
}
