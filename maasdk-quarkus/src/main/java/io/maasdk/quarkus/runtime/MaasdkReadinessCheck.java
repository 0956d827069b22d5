package io.maasdk.quarkus.runtime;

import io.maasdk.DeploymentInfo;
import io.maasdk.ModelRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of every deployed version, as {@code model@version: UP|DOWN} in the check's data. A
 * version is up while it accepts calls, has a replica up and its breaker is not open; the check is
 * up while every deployed model has a version up. Registered only with quarkus-smallrye-health.
 */
@Readiness
@ApplicationScoped
public class MaasdkReadinessCheck implements HealthCheck {

  @Inject ModelRuntime runtime;

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder b = HealthCheckResponse.named("maasdk");
    Set<String> models = new TreeSet<>();
    Set<String> serving = new TreeSet<>();
    for (DeploymentInfo d : runtime.deployments()) {
      boolean up = d.accepting() && d.replicasUp() > 0 && !"OPEN".equals(d.breakerState());
      models.add(d.modelName());
      if (up) {
        serving.add(d.modelName());
      }
      b.withData(
          d.modelName() + "@" + d.version(),
          up
              ? "UP"
              : "DOWN (replicas up "
                  + d.replicasUp()
                  + "/"
                  + d.placements().size()
                  + ", breaker "
                  + d.breakerState()
                  + ", accepting "
                  + d.accepting()
                  + ")");
    }
    models.removeAll(serving);
    if (!models.isEmpty()) {
      b.withData("modelsWithoutAServingVersion", String.join(",", models));
    }
    return b.status(models.isEmpty()).build();
  }
}
