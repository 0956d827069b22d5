package io.maasdk;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Per-call settings: who is calling (tenant), how long the caller will wait, how urgent the call
 * is, and the key that keeps a caller on the same side of a weighted alias split. Immutable; build
 * once and reuse.
 *
 * <pre>{@code
 * CallOptions opts = CallOptions.builder()
 *     .tenant("acme")
 *     .timeout(Duration.ofMillis(250))
 *     .routingKey("user-42")      // sticky canary assignment
 *     .build();
 * }</pre>
 *
 * @param tenant who is calling; used by quotas, metering and cache isolation. Default {@value
 *     #DEFAULT_TENANT}. With an authenticating interceptor (maasdk-security's {@code
 *     AccessControl}) this is only a request: the call is bound to a tenant its principal may act
 *     for ({@link io.maasdk.spi.CallContext#bind}), and every later stage uses that one.
 * @param timeout how long the caller waits, from the moment {@code predict} is called; {@code null}
 *     means no deadline. A request whose deadline passes while queued is never computed.
 * @param priority {@link Priority#INTERACTIVE} calls are served before {@link Priority#BULK} ones.
 * @param routingKey keeps a caller on the same version of a weighted alias; when absent the tenant
 *     is used.
 * @param credentials an opaque credential (for example an API key) for access-control interceptors;
 *     never logged, never part of {@link #toString()}.
 */
public record CallOptions(
    String tenant,
    @Nullable Duration timeout,
    Priority priority,
    @Nullable String routingKey,
    @Nullable String credentials) {

  /** The tenant used when a call names none. */
  public static final String DEFAULT_TENANT = "default";

  private static final CallOptions DEFAULTS =
      new CallOptions(DEFAULT_TENANT, null, Priority.INTERACTIVE, null, null);

  /** No deadline, default tenant, interactive priority. */
  public static CallOptions ofDefaults() {
    return DEFAULTS;
  }

  /** How urgent a call is. Interactive calls overtake queued bulk calls. */
  public enum Priority {
    INTERACTIVE,
    BULK
  }

  public CallOptions {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(priority, "priority");
    if (tenant.isBlank()) {
      throw new IllegalArgumentException("tenant must not be blank");
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
  }

  /** The key a weighted alias hashes: the routing key, else the tenant. */
  public String stickyKey() {
    return routingKey != null ? routingKey : tenant;
  }

  public static Builder builder() {
    return new Builder(DEFAULTS);
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public String toString() {
    return "CallOptions[tenant="
        + tenant
        + ", timeout="
        + timeout
        + ", priority="
        + priority
        + ", routingKey="
        + routingKey
        + (credentials == null ? "" : ", credentials=<redacted>")
        + "]";
  }

  /** Builds {@link CallOptions}; each setter validates at once. */
  public static final class Builder {
    private String tenant;
    private @Nullable Duration timeout;
    private Priority priority;
    private @Nullable String routingKey;
    private @Nullable String credentials;

    private Builder(CallOptions from) {
      this.tenant = from.tenant;
      this.timeout = from.timeout;
      this.priority = from.priority;
      this.routingKey = from.routingKey;
      this.credentials = from.credentials;
    }

    public Builder tenant(String tenant) {
      this.tenant = Objects.requireNonNull(tenant, "tenant");
      return this;
    }

    public Builder timeout(@Nullable Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder priority(Priority priority) {
      this.priority = Objects.requireNonNull(priority, "priority");
      return this;
    }

    public Builder routingKey(@Nullable String routingKey) {
      this.routingKey = routingKey;
      return this;
    }

    public Builder credentials(@Nullable String credentials) {
      this.credentials = credentials;
      return this;
    }

    public CallOptions build() {
      return new CallOptions(tenant, timeout, priority, routingKey, credentials);
    }
  }
}
