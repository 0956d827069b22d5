package io.maasdk;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of one deployed version, for health checks and metrics.
 *
 * @param modelName the model
 * @param version the version
 * @param engine the DJL engine it runs on
 * @param source where it was loaded from
 * @param placements where each replica runs
 * @param queueDepth requests waiting now
 * @param queueCapacity the queue's bound
 * @param inFlight requests admitted and not yet finished (queued or running)
 * @param replicasUp replicas with a working Predictor now (a failed one is being recreated)
 * @param replicaRestarts how many times a failed replica's Predictor was recreated
 * @param breakerState the circuit breaker: {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN}
 * @param accepting false while it is being undeployed
 * @param labels the spec's labels
 * @param aliases the aliases that currently send it traffic
 */
public record DeploymentInfo(
    String modelName,
    Version version,
    String engine,
    String source,
    List<Placement> placements,
    int queueDepth,
    int queueCapacity,
    int inFlight,
    int replicasUp,
    long replicaRestarts,
    String breakerState,
    boolean accepting,
    Map<String, String> labels,
    List<String> aliases) {
  /**
   * Copies the lists and the labels.
   *
   * @param modelName the model
   * @param version the version
   * @param engine the DJL engine it runs on
   * @param source where it was loaded from
   * @param placements where each replica runs
   * @param queueDepth requests waiting now
   * @param queueCapacity the queue's bound
   * @param inFlight requests admitted and not yet finished (queued or running)
   * @param replicasUp replicas with a working Predictor now (a failed one is being recreated)
   * @param replicaRestarts how many times a failed replica's Predictor was recreated
   * @param breakerState the circuit breaker: {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN}
   * @param accepting false while it is being undeployed
   * @param labels the spec's labels
   * @param aliases the aliases that currently send it traffic
   */
  public DeploymentInfo {
    placements = List.copyOf(placements);
    labels = Map.copyOf(labels);
    aliases = List.copyOf(aliases);
  }
}
