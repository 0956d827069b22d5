package io.maasdk.spi;

/**
 * One GPU as a {@link DeviceInventory} sees it. Memory figures are device-wide (all processes, as
 * CUDA reports them), not one model's footprint.
 *
 * @param index the CUDA device index
 * @param totalBytes the device's memory
 * @param freeBytes memory free on the device now
 */
public record GpuInfo(int index, long totalBytes, long freeBytes) {
  /**
   * Checks that the index is not negative and the memory figures consistent.
   *
   * @param index the CUDA device index
   * @param totalBytes the device's memory
   * @param freeBytes memory free on the device now
   */
  public GpuInfo {
    if (index < 0) {
      throw new IllegalArgumentException("GPU index must be >= 0, was " + index);
    }
    if (totalBytes < 0 || freeBytes < 0 || freeBytes > totalBytes) {
      throw new IllegalArgumentException(
          "GPU "
              + index
              + ": need 0 <= free <= total, got free="
              + freeBytes
              + " total="
              + totalBytes);
    }
  }

  /**
   * The DJL device name, {@code gpu(N)}.
   *
   * @return the device's name in maasdk's form, {@code gpu(<index>)}
   */
  public String deviceName() {
    return "gpu(" + index + ")";
  }

  @Override
  public String toString() {
    return deviceName() + " (free " + mib(freeBytes) + " of " + mib(totalBytes) + ")";
  }

  static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
