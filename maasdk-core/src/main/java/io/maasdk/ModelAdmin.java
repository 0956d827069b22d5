package io.maasdk;

import io.maasdk.internal.ModelRegistry;
import java.util.Objects;

/**
 * Management operations made with a credential, so that access-control interceptors (see
 * maasdk-security's {@code AccessControl}) can tell who deploys, undeploys or moves an alias. Get
 * one from {@link ModelRuntime#admin(String)}; it is as thread-safe as the runtime and holds no
 * other state. The credential is never logged.
 *
 * <pre>{@code
 * runtime.admin(opsApiKey).setAlias("digits", "stable", Version.parse("2.0.0"));
 * }</pre>
 */
public final class ModelAdmin {
  private final ModelRegistry registry;
  private final String credentials;

  ModelAdmin(ModelRegistry registry, String credentials) {
    this.registry = registry;
    this.credentials = Objects.requireNonNull(credentials, "credentials");
  }

  /** {@link ModelRuntime#deploy}, as this caller. */
  public Version deploy(ModelSpec<?, ?> spec) {
    return registry.deploy(Objects.requireNonNull(spec, "spec"), credentials);
  }

  /** {@link ModelRuntime#undeploy(String, Version)}, as this caller. */
  public void undeploy(String model, Version version) {
    registry.undeploy(model, version, credentials);
  }

  /** {@link ModelRuntime#setAlias(String, String, AliasTarget)}, as this caller. */
  public void setAlias(String model, String alias, AliasTarget target) {
    registry.setAlias(model, alias, Objects.requireNonNull(target, "target"), credentials);
  }

  /** {@link ModelRuntime#setAlias(String, String, Version)}, as this caller. */
  public void setAlias(String model, String alias, Version version) {
    setAlias(model, alias, AliasTarget.of(version));
  }

  /** {@link ModelRuntime#rollback}, as this caller. */
  public AliasTarget rollback(String model, String alias) {
    return registry.rollback(model, alias, credentials);
  }

  /** {@link ModelRuntime#invalidate(String)}, as this caller. */
  public int invalidate(String model) {
    return registry.invalidate(Objects.requireNonNull(model, "model"), null, credentials);
  }

  /** {@link ModelRuntime#invalidate(String, Version)}, as this caller. */
  public boolean invalidate(String model, Version version) {
    return registry.invalidate(
            Objects.requireNonNull(model, "model"),
            Objects.requireNonNull(version, "version"),
            credentials)
        > 0;
  }

  /** {@link ModelRuntime#rollbackTo}, as this caller. */
  public void rollbackTo(String model, String alias, AliasTarget target, String reason) {
    registry.rollbackTo(
        model, alias, Objects.requireNonNull(target, "target"), reason, credentials);
  }

  @Override
  public String toString() {
    return "ModelAdmin[credentials=<redacted>]";
  }
}
