package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.AliasChange;
import io.maasdk.AliasTarget;
import io.maasdk.DeploymentInfo;
import io.maasdk.MaasdkException;
import io.maasdk.ModelRuntime;
import io.maasdk.Placement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The Actuator endpoint {@code maasdk} ({@code /actuator/maasdk} over HTTP, once exposed with
 * {@code management.endpoints.web.exposure.include=maasdk}).
 *
 * <ul>
 *   <li>{@code GET /actuator/maasdk}: every deployed version (placements, queue, replicas, breaker)
 *       and every model's aliases with their targets;
 *   <li>{@code GET /actuator/maasdk/{model}}: one model's versions, aliases and each alias's recent
 *       moves;
 *   <li>{@code POST /actuator/maasdk/{model}/{alias}} with {@code {"target": "2.0.0"}} (or a split
 *       {@code "1.0.0=90,2.0.0=10"}) moves an alias; {@code DELETE
 *       /actuator/maasdk/{model}/{alias}} rolls it back to its previous target.
 * </ul>
 *
 * <p>Write operations are off by default (the endpoint's default access is read-only): turn them on
 * with {@code management.endpoint.maasdk.access=unrestricted}, and secure them as the application
 * secures its other write endpoints. Thread-safe: every operation reads or calls the thread-safe
 * runtime; a refused move or rollback answers 400 with maasdk's message, which names the model and
 * the versions.
 */
@Endpoint(id = "maasdk", defaultAccess = Access.READ_ONLY)
public class MaasdkEndpoint {
  private final ModelRuntime runtime;
  private final int historyLimit;
  private final io.maasdk.ModelAdmin admin;

  /**
   * An endpoint over {@code runtime}, listing up to {@code historyLimit} moves per alias.
   *
   * @param runtime the runtime to show and manage
   * @param historyLimit the most moves listed per alias
   */
  public MaasdkEndpoint(ModelRuntime runtime, int historyLimit) {
    this(runtime, historyLimit, null);
  }

  /**
   * An endpoint whose write operations act as {@code admin} (the starter's admin principal, for
   * runtimes under access control), or with no credentials when it is null.
   *
   * @param runtime the runtime to show and manage
   * @param historyLimit the most moves listed per alias
   * @param admin the principal write operations act as; null for none
   */
  public MaasdkEndpoint(ModelRuntime runtime, int historyLimit, io.maasdk.ModelAdmin admin) {
    this.runtime = runtime;
    this.historyLimit = historyLimit;
    this.admin = admin;
  }

  /**
   * Every deployed version and every model's aliases.
   *
   * @return the versions and aliases, as JSON-ready maps
   */
  @ReadOperation
  public Map<String, Object> runtime() {
    Map<String, Object> out = new LinkedHashMap<>();
    List<DeploymentInfo> deployments = runtime.deployments();
    out.put("deployments", deployments.stream().map(MaasdkEndpoint::deployment).toList());
    Map<String, Object> aliases = new TreeMap<>();
    for (String model :
        new TreeSet<>(deployments.stream().map(DeploymentInfo::modelName).toList())) {
      aliases.put(model, targets(runtime.aliases(model)));
    }
    out.put("aliases", aliases);
    return out;
  }

  /**
   * One model: its versions, its aliases and each alias's recent moves (oldest first).
   *
   * @param model the model name
   * @return the model, as JSON-ready maps
   */
  @ReadOperation
  public Map<String, Object> model(@Selector String model) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model);
    out.put(
        "deployments",
        runtime.deployments().stream()
            .filter(d -> d.modelName().equals(model))
            .map(MaasdkEndpoint::deployment)
            .toList());
    Map<String, AliasTarget> aliases = runtime.aliases(model);
    out.put("aliases", targets(aliases));
    Map<String, Object> history = new TreeMap<>();
    for (String alias : aliases.keySet()) {
      List<AliasChange> moves = runtime.aliasHistory(model, alias);
      history.put(
          alias,
          moves.subList(Math.max(0, moves.size() - historyLimit), moves.size()).stream()
              .map(MaasdkEndpoint::change)
              .toList());
    }
    out.put("history", history);
    return out;
  }

  /**
   * Moves {@code alias} of {@code model} to {@code target}: a version or a weighted split.
   *
   * @return the model as {@link #model(String)} shows it after the move
   * @param model the model name
   * @param alias the alias to move
   * @param target a version or a weighted split, as in {@code maasdk.aliases}
   */
  @WriteOperation
  public Map<String, Object> setAlias(
      @Selector String model, @Selector String alias, String target) {
    try {
      io.maasdk.AliasTarget t =
          io.maasdk.spi.StartupDeployer.parseTarget(
              "maasdk.aliases." + model + "." + alias, target);
      if (admin != null) {
        admin.setAlias(model, alias, t);
      } else {
        runtime.setAlias(model, alias, t);
      }
    } catch (MaasdkException | IllegalStateException e) {
      throw new InvalidEndpointRequestException(e.getMessage(), e.getMessage(), e); // a 400
    }
    return model(model);
  }

  /**
   * Moves {@code alias} of {@code model} back to its previous target.
   *
   * @return the model as {@link #model(String)} shows it after the rollback
   * @param model the model name
   * @param alias the alias to move back
   */
  @DeleteOperation
  public Map<String, Object> rollback(@Selector String model, @Selector String alias) {
    try {
      if (admin != null) {
        admin.rollback(model, alias);
      } else {
        runtime.rollback(model, alias);
      }
    } catch (MaasdkException e) {
      throw new InvalidEndpointRequestException(e.getMessage(), e.getMessage(), e); // a 400
    }
    return model(model);
  }

  private static Map<String, String> targets(Map<String, AliasTarget> aliases) {
    Map<String, String> out = new TreeMap<>();
    aliases.forEach((alias, target) -> out.put(alias, target.toString()));
    return out;
  }

  private static Map<String, Object> deployment(DeploymentInfo d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", d.modelName());
    m.put("version", d.version().toString());
    m.put("engine", d.engine());
    m.put("source", d.source());
    m.put("devices", d.placements().stream().map(Placement::device).toList());
    m.put("replicasUp", d.replicasUp());
    m.put("replicaRestarts", d.replicaRestarts());
    m.put("breaker", d.breakerState());
    m.put("queueDepth", d.queueDepth());
    m.put("queueCapacity", d.queueCapacity());
    m.put("inFlight", d.inFlight());
    m.put("accepting", d.accepting());
    m.put("aliases", d.aliases());
    m.put("labels", d.labels());
    return m;
  }

  private static Map<String, Object> change(AliasChange c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("at", c.at().toString());
    m.put("kind", c.kind().name());
    m.put("from", c.from() == null ? null : c.from().toString());
    m.put("to", c.to().toString());
    return m;
  }
}
