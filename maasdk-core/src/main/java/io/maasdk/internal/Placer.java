package io.maasdk.internal;

import io.maasdk.DevicePolicy;
import io.maasdk.DeviceUnavailableException;
import io.maasdk.Placement;
import io.maasdk.Version;
import io.maasdk.spi.GpuInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies a {@link DevicePolicy} to an inventory snapshot. Pure: no engine, no state. */
public final class Placer {
  private static final Logger LOG = LoggerFactory.getLogger(Placer.class);
  static final String CPU = "cpu()";

  private Placer() {}

  public static List<Placement> place(
      String model, Version version, int replicas, DevicePolicy policy, List<GpuInfo> gpus) {
    List<Placement> out = new ArrayList<>(replicas);
    if (policy.strategy() == DevicePolicy.Strategy.CPU) {
      for (int r = 0; r < replicas; r++) {
        out.add(new Placement(r, CPU, "policy: cpu"));
      }
      return out;
    }
    long need = policy.memoryPerReplica();
    Map<Integer, Long> free = new HashMap<>();
    gpus.forEach(g -> free.put(g.index(), g.freeBytes()));

    List<Integer> candidates = new ArrayList<>();
    if (policy.strategy() == DevicePolicy.Strategy.EXPLICIT) {
      for (int i : policy.gpuIndices()) {
        candidates.add(i);
      }
    } else {
      gpus.stream()
          .sorted(Comparator.comparingLong(GpuInfo::freeBytes).reversed())
          .forEach(g -> candidates.add(g.index()));
    }

    int cursor = 0;
    for (int r = 0; r < replicas; r++) {
      Integer chosen = null;
      String reason;
      if (policy.strategy() == DevicePolicy.Strategy.LEAST_LOADED) {
        chosen =
            candidates.stream()
                .filter(i -> free.getOrDefault(i, 0L) >= need)
                .max(Comparator.comparingLong(free::get))
                .orElse(null);
        reason = "least-loaded: most free memory";
      } else {
        // EXPLICIT and SPREAD: round-robin, skipping GPUs that are missing or full.
        for (int k = 0; k < candidates.size() && chosen == null; k++) {
          int i = candidates.get((cursor + k) % candidates.size());
          if (free.containsKey(i) && free.get(i) >= need) {
            chosen = i;
            cursor = (cursor + k + 1) % candidates.size();
          }
        }
        reason =
            policy.strategy() == DevicePolicy.Strategy.EXPLICIT
                ? "explicit: listed GPU"
                : "spread: round-robin over GPUs by free memory";
      }
      if (chosen != null) {
        free.put(chosen, free.getOrDefault(chosen, 0L) - need);
        out.add(new Placement(r, "gpu(" + chosen + ")", reason));
        continue;
      }
      String why = whyNone(policy, gpus, need);
      if (policy.fallback() == DevicePolicy.Fallback.FAIL) {
        throw new DeviceUnavailableException(
            model,
            version,
            "cannot place replica "
                + r
                + " of "
                + model
                + "@"
                + version
                + " with "
                + policy
                + ": "
                + why
                + ". Free GPU memory, lower replicas or memoryPerReplica, or use"
                + " fallbackToCpu().");
      }
      out.add(new Placement(r, CPU, "fallback: " + why));
    }
    long fallbacks = out.stream().filter(p -> p.reason().startsWith("fallback")).count();
    if (fallbacks > 0) {
      String why =
          out.stream()
              .filter(p -> p.reason().startsWith("fallback"))
              .findFirst()
              .map(Placement::reason)
              .orElse("");
      if (gpus.isEmpty()) {
        LOG.info("{}@{}: {} replica(s) on the CPU ({})", model, version, fallbacks, why);
      } else {
        LOG.warn("{}@{}: {} replica(s) fall back to the CPU ({})", model, version, fallbacks, why);
      }
    }
    return out;
  }

  private static String whyNone(DevicePolicy policy, List<GpuInfo> gpus, long need) {
    if (gpus.isEmpty()) {
      return "no GPU found (DJL reports 0 GPUs: no CUDA device or no CUDA engine natives)";
    }
    StringBuilder sb = new StringBuilder();
    if (policy.strategy() == DevicePolicy.Strategy.EXPLICIT) {
      sb.append("asked for GPUs ").append(java.util.Arrays.toString(policy.gpuIndices()));
      sb.append(need > 0 ? " with " + (need >> 20) + " MiB free each" : "").append("; ");
    } else if (need > 0) {
      sb.append("no GPU has ").append(need >> 20).append(" MiB free for another replica; ");
    }
    return sb.append("found ").append(gpus).toString();
  }
}
