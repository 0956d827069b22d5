package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.DeploymentInfo;
import io.maasdk.ModelRuntime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The health of a runtime, independent of Spring Boot's health API (which moved between Boot 3 and
 * 4). A version is up while it accepts calls, has a replica up and its breaker is not open; the
 * runtime is up while every deployed model has a version up. Thread-safe: reads a snapshot.
 *
 * @param up whether the runtime as a whole is up
 * @param details per {@code model@version}: status, replicas up and placed, breaker, queue
 */
record DeploymentHealth(boolean up, Map<String, Object> details) {

  static DeploymentHealth of(ModelRuntime runtime) {
    List<DeploymentInfo> deployments = runtime.deployments();
    Map<String, Object> versions = new LinkedHashMap<>();
    Set<String> models = new TreeSet<>();
    Set<String> serving = new TreeSet<>();
    for (DeploymentInfo d : deployments) {
      boolean up = d.accepting() && d.replicasUp() > 0 && !"OPEN".equals(d.breakerState());
      models.add(d.modelName());
      if (up) {
        serving.add(d.modelName());
      }
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("status", up ? "UP" : "DOWN");
      v.put("replicasUp", d.replicasUp());
      v.put("replicas", d.placements().size());
      v.put("breaker", d.breakerState());
      v.put("queueDepth", d.queueDepth());
      v.put("queueCapacity", d.queueCapacity());
      v.put("inFlight", d.inFlight());
      v.put("accepting", d.accepting());
      v.put("aliases", d.aliases());
      versions.put(d.modelName() + "@" + d.version(), v);
    }
    Set<String> down = new TreeSet<>(models);
    down.removeAll(serving);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("versions", versions);
    if (!down.isEmpty()) {
      details.put("modelsWithoutAServingVersion", down);
    }
    return new DeploymentHealth(down.isEmpty(), details);
  }
}
