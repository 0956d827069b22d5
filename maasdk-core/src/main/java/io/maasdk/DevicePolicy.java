package io.maasdk;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a version's replicas run. Immutable; {@link #builder()} or {@link #toBuilder()} sets the
 * memory per replica and the fallback.
 *
 * <ul>
 *   <li>{@link #cpu()} — every replica on the CPU;
 *   <li>{@link #gpus(int...)} — the listed GPUs, replicas assigned round-robin;
 *   <li>{@link #leastLoaded()} — each replica on the GPU with the most free memory;
 *   <li>{@link #spread()} — replicas spread evenly across all GPUs that fit;
 *   <li>{@link #ofDefaults()} (the default) — {@code spread()}, falling back to the CPU.
 * </ul>
 *
 * {@link Builder#memoryPerReplica(long)} makes a GPU fit only if it has that much free memory per
 * replica placed on it. When no GPU fits, {@link Fallback#CPU} places the replica on the CPU and
 * logs a warning; {@link Fallback#FAIL} refuses the deployment with a {@link
 * DeviceUnavailableException} that lists the GPUs found. Explicit {@link #gpus} default to {@code
 * FAIL} (you asked for those devices); the others default to {@code CPU}.
 *
 * <p>Placement is decided once, at deploy time; {@link ModelRuntime#describe} shows it.
 */
public final class DevicePolicy {

  /** How replicas are assigned to GPUs. */
  public enum Strategy {
    CPU,
    EXPLICIT,
    LEAST_LOADED,
    SPREAD
  }

  /** What happens when no GPU fits a replica. */
  public enum Fallback {
    /** Place it on the CPU and log a warning. */
    CPU,
    /** Refuse the deployment with a {@link DeviceUnavailableException}. */
    FAIL
  }

  private final Strategy strategy;
  private final int[] gpuIndices;
  private final long memoryPerReplica;
  private final Fallback fallback;

  private DevicePolicy(Strategy strategy, int[] gpuIndices, long memoryPerReplica, Fallback fb) {
    this.strategy = strategy;
    this.gpuIndices = gpuIndices;
    this.memoryPerReplica = memoryPerReplica;
    this.fallback = fb;
  }

  /** Every replica on the CPU. */
  public static DevicePolicy cpu() {
    return builder().cpu().build();
  }

  /** Replicas round-robin over these GPU indices; fails if one is missing or lacks memory. */
  public static DevicePolicy gpus(int... indices) {
    return builder().gpus(indices).build();
  }

  /** Each replica on the GPU with the most free memory at deploy time. */
  public static DevicePolicy leastLoaded() {
    return builder().leastLoaded().build();
  }

  /** Replicas spread evenly across the GPUs that fit, most free memory first. */
  public static DevicePolicy spread() {
    return builder().spread().build();
  }

  /** The default: {@link #spread()} across GPUs when there are any, else the CPU. */
  public static DevicePolicy ofDefaults() {
    return spread();
  }

  /** A builder starting from {@link #ofDefaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this policy's settings (its fallback included), to derive a copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.strategy = strategy;
    b.gpuIndices = gpuIndices;
    b.memoryPerReplica = memoryPerReplica;
    b.fallback = fallback;
    return b;
  }

  public Strategy strategy() {
    return strategy;
  }

  /** The explicit GPU indices (empty unless {@link Strategy#EXPLICIT}). */
  public int[] gpuIndices() {
    return gpuIndices.clone();
  }

  public long memoryPerReplica() {
    return memoryPerReplica;
  }

  public Fallback fallback() {
    return fallback;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DevicePolicy p
        && strategy == p.strategy
        && Arrays.equals(gpuIndices, p.gpuIndices)
        && memoryPerReplica == p.memoryPerReplica
        && fallback == p.fallback;
  }

  @Override
  public int hashCode() {
    return Objects.hash(strategy, Arrays.hashCode(gpuIndices), memoryPerReplica, fallback);
  }

  @Override
  public String toString() {
    return "DevicePolicy["
        + strategy
        + (strategy == Strategy.EXPLICIT ? " " + Arrays.toString(gpuIndices) : "")
        + (memoryPerReplica > 0 ? ", " + (memoryPerReplica >> 20) + " MiB/replica" : "")
        + ", fallback="
        + fallback
        + "]";
  }

  /**
   * Builds a {@link DevicePolicy}; starts from {@link #ofDefaults()}. Unless {@link
   * #fallbackToCpu()} or {@link #failIfUnavailable()} is called, explicit {@link #gpus} fail and
   * the other strategies fall back to the CPU.
   */
  public static final class Builder {
    private Strategy strategy = Strategy.SPREAD;
    private int[] gpuIndices = new int[0];
    private long memoryPerReplica;
    private @Nullable Fallback fallback;

    private Builder() {}

    /** Every replica on the CPU. */
    public Builder cpu() {
      return strategy(Strategy.CPU, new int[0]);
    }

    /** Replicas round-robin over these GPU indices; fails if one is missing or lacks memory. */
    public Builder gpus(int... indices) {
      Objects.requireNonNull(indices, "indices");
      if (indices.length == 0) {
        throw new IllegalArgumentException(
            "gpus() needs at least one GPU index; use cpu() for none");
      }
      for (int i : indices) {
        if (i < 0) {
          throw new IllegalArgumentException("GPU index must be >= 0, was " + i);
        }
      }
      return strategy(Strategy.EXPLICIT, indices.clone());
    }

    /** Each replica on the GPU with the most free memory at deploy time. */
    public Builder leastLoaded() {
      return strategy(Strategy.LEAST_LOADED, new int[0]);
    }

    /** Replicas spread evenly across the GPUs that fit, most free memory first. */
    public Builder spread() {
      return strategy(Strategy.SPREAD, new int[0]);
    }

    private Builder strategy(Strategy s, int[] indices) {
      this.strategy = s;
      this.gpuIndices = indices;
      return this;
    }

    /** A GPU fits a replica only if it has {@code bytes} free for it (0: any GPU fits). */
    public Builder memoryPerReplica(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("memory per replica must be >= 0, was " + bytes);
      }
      this.memoryPerReplica = bytes;
      return this;
    }

    /** When no GPU fits, run on the CPU and log a warning. */
    public Builder fallbackToCpu() {
      this.fallback = Fallback.CPU;
      return this;
    }

    /** When no GPU fits, refuse the deployment. */
    public Builder failIfUnavailable() {
      this.fallback = Fallback.FAIL;
      return this;
    }

    /** The policy. */
    public DevicePolicy build() {
      Fallback fb =
          fallback != null
              ? fallback
              : strategy == Strategy.EXPLICIT ? Fallback.FAIL : Fallback.CPU;
      return new DevicePolicy(strategy, gpuIndices, memoryPerReplica, fb);
    }
  }
}
