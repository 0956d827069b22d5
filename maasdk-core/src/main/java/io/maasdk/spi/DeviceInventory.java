package io.maasdk.spi;

import java.util.List;

/**
 * Reports the GPUs a {@link io.maasdk.DevicePolicy} may place replicas on. The runtime's default
 * asks DJL's engine (GPU count, and CUDA's free/total memory per GPU); it reports none when CUDA is
 * not available. {@link #fixed} gives a fake inventory for tests and for deployments that want to
 * declare their GPUs.
 *
 * <p>Implementations must be thread-safe; {@link #gpus()} is called at each deployment.
 */
@FunctionalInterface
public interface DeviceInventory {

  /**
   * The GPUs visible now, by index. Empty on a CPU-only machine.
   *
   * @return the GPUs
   */
  List<GpuInfo> gpus();

  /**
   * An inventory that always reports these GPUs, for tests or declared hardware.
   *
   * @param gpus the GPUs to report
   * @return the inventory
   */
  static DeviceInventory fixed(GpuInfo... gpus) {
    List<GpuInfo> list = List.of(gpus);
    return () -> list;
  }

  /**
   * An inventory with no GPUs: everything is placed on the CPU.
   *
   * @return the inventory
   */
  static DeviceInventory cpuOnly() {
    return List::of;
  }
}
