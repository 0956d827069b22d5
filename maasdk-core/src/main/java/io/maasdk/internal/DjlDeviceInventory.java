package io.maasdk.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.GpuInfo;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
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

  public DjlDeviceInventory(String engine) {
    this.engine = engine;
  }

  @Override
  public List<GpuInfo> gpus() {
    int count;
    try {
      count = Engine.hasEngine(engine) ? Engine.getEngine(engine).getGpuCount() : 0;
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("engine {} cannot report GPUs; assuming none", engine, e);
      return List.of();
    }
    List<GpuInfo> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      MemoryUsage mem = CudaUtils.getGpuMemory(Device.gpu(i));
      long total = Math.max(mem.getMax(), 0);
      long used = Math.max(mem.getCommitted(), 0);
      out.add(new GpuInfo(i, total, Math.max(0, Math.min(total, total - used))));
    }
    return out;
  }

  @Override
  public String toString() {
    return "DjlDeviceInventory[" + engine + "]";
  }
}
