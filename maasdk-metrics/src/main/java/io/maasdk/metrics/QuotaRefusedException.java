package io.maasdk.metrics;

import io.maasdk.QuotaExceededException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QuotaInterceptor} refused a call: which limit, how much of it is used, and when a retry
 * can pass. The message says the same in words. Thrown on the caller's thread before anything is
 * queued.
 */
public final class QuotaRefusedException extends QuotaExceededException {
  private static final long serialVersionUID = 1L;

  /** The limits a {@link QuotaPolicy} can set. */
  public enum Limit {
    /** Requests per second (token bucket). */
    REQUEST_RATE,
    /** Units per second (token bucket). */
    UNIT_RATE,
    /** Units per calendar period. */
    UNIT_BUDGET,
    /** Money per calendar period, at the tenant's price plan. */
    MONEY_BUDGET
  }

  private final String tenant;
  private final Limit limit;
  private final String usage;
  private final @Nullable Duration retryAfter;
  final transient @Nullable Object owner;

  QuotaRefusedException(
      String modelName,
      String tenant,
      Limit limit,
      String usage,
      @Nullable Duration retryAfter,
      String message,
      Object owner) {
    super(modelName, null, message);
    this.tenant = Objects.requireNonNull(tenant, "tenant");
    this.limit = Objects.requireNonNull(limit, "limit");
    this.usage = Objects.requireNonNull(usage, "usage");
    this.retryAfter = retryAfter;
    this.owner = owner;
  }

  /**
   * The tenant refused.
   *
   * @return the tenant
   */
  public String tenant() {
    return tenant;
  }

  /**
   * The limit that refused the call.
   *
   * @return the limit
   */
  public Limit limit() {
    return limit;
  }

  /**
   * The usage of that limit when the call was refused, in words ({@code "998 of 1000 units"}).
   *
   * @return the usage, in words
   */
  public String usage() {
    return usage;
  }

  /**
   * How long until the same call could pass; empty if it never can under this policy (it needs more
   * than the bucket's burst or the whole budget).
   *
   * @return how long to wait before retrying, or empty if waiting would not help
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
