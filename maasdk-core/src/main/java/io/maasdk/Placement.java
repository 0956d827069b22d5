package io.maasdk;

import java.util.Objects;

/**
 * Where one replica of a deployed version runs, and why.
 *
 * @param replica the replica's index, from 0
 * @param device the DJL device name: {@code cpu()} or {@code gpu(N)}
 * @param reason how the policy chose it, e.g. {@code "spread: most free memory"} or {@code
 *     "fallback: no GPU has 4096 MiB free"}
 */
public record Placement(int replica, String device, String reason) {
  /**
   * Checks the components.
   *
   * @param replica the replica's index, from 0
   * @param device the DJL device name: {@code cpu()} or {@code gpu(N)}
   * @param reason how the policy chose it, e.g. {@code "spread: most free memory"} or {@code
   *     "fallback: no GPU has 4096 MiB free"}
   */
  public Placement {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * Whether the replica runs on a GPU.
   *
   * @return whether {@code device} is a GPU
   */
  public boolean onGpu() {
    return device.startsWith("gpu");
  }

  /**
   * The GPU index, or -1 on the CPU.
   *
   * @return the index, or -1
   */
  public int gpuIndex() {
    return onGpu() ? Integer.parseInt(device.substring(4, device.length() - 1)) : -1;
  }
}
