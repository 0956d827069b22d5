package io.maasdk.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.GpuInfo;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default inventory: DJL's GPU count for the default engine, and CUDA's device-wide memory per
 * GPU. DJL reports 0 GPUs when CUDA cannot be loaded (no driver, or CPU-only natives), so this
 * reports none and policies fall back as configured.
 */
public final class DjlDeviceInventory implements DeviceInventory {
  private static final Logger LOG = LoggerFactory.getLogger(DjlDeviceInventory.class);
  private final String engine;

  /**
   * An inventory of the GPUs DJL engine {@code engine} can use.
   *
   * @param engine the DJL engine's name, e.g. {@code PyTorch}
   */
  public DjlDeviceInventory(String engine) {
    this.engine = engine;
  }

  private static final AtomicBoolean TOLD = new AtomicBoolean();

  @Override
  public List<GpuInfo> gpus() {
    if (noNvidiaDriver()) {
      // Asking DJL would make it try to load CUDA and warn twice per JVM on every CPU machine.
      if (TOLD.compareAndSet(false, true)) {
        LOG.info("no NVIDIA driver on this machine: maasdk places models on the CPU");
      }
      return List.of();
    }
    int count;
    try {
      count = Engine.hasEngine(engine) ? Engine.getEngine(engine).getGpuCount() : 0;
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("engine {} cannot report GPUs; assuming none", engine, e);
      if (TOLD.compareAndSet(false, true)) {
        LOG.info(
            "engine {} cannot use the NVIDIA driver on this machine: maasdk places models on"
                + " the CPU",
            engine);
      }
      return List.of();
    }
    List<GpuInfo> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      MemoryUsage mem = CudaUtils.getGpuMemory(Device.gpu(i));
      long total = Math.max(mem.getMax(), 0);
      long used = Math.max(mem.getCommitted(), 0);
      out.add(new GpuInfo(i, total, Math.max(0, Math.min(total, total - used))));
    }
    if (TOLD.compareAndSet(false, true)) {
      // One line per JVM, the GPU counterpart of the CPU-only line above.
      if (out.isEmpty()) {
        LOG.info("engine {} sees no usable GPU: maasdk places models on the CPU", engine);
      } else {
        LOG.info(
            "engine {} sees {} GPU(s): maasdk places models on {} as each model's device"
                + " policy allows",
            engine,
            out.size(),
            out.stream()
                .map(g -> "gpu(" + g.index() + ", " + (g.totalBytes() >> 20) + " MiB)")
                .toList());
      }
    }
    return out;
  }

  /**
   * Whether this machine certainly has no usable NVIDIA GPU, decided without loading CUDA: no
   * driver on Linux (neither {@code /proc/driver/nvidia/version} nor {@code /dev/nvidia0}, nor
   * WSL's {@code /dev/dxg}), or macOS. Elsewhere DJL is asked.
   */
  static boolean noNvidiaDriver() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("mac")) {
      return true;
    }
    if (!os.contains("linux")) {
      return false;
    }
    return !Files.exists(Path.of("/proc/driver/nvidia/version"))
        && !Files.exists(Path.of("/dev/nvidia0"))
        && !Files.exists(Path.of("/dev/dxg"));
  }

  @Override
  public String toString() {
    return "DjlDeviceInventory[" + engine + "]";
  }
}
