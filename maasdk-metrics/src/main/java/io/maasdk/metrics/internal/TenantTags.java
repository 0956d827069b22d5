package io.maasdk.metrics.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caps the distinct values of a tenant tag: the first {@code cap} tenants seen keep their name,
 * every later one reads {@value #OTHER}. Thread-safe; the cap is exact under concurrency.
 */
public final class TenantTags {
  /** The tag of every tenant beyond the cap. */
  public static final String OTHER = "other";

  private final int cap;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  /**
   * Creates the cap.
   *
   * @param cap how many tenants keep their own tag
   */
  public TenantTags(int cap) {
    this.cap = cap;
  }

  /**
   * The tag value for {@code tenant}: its name while the cap allows, else {@value #OTHER}.
   *
   * @param tenant the tenant
   * @return the tag value
   */
  public String tag(String tenant) {
    if (admitted.contains(tenant)) {
      return tenant;
    }
    synchronized (this) {
      if (admitted.contains(tenant)) {
        return tenant;
      }
      if (admitted.size() < cap) {
        admitted.add(tenant);
        return tenant;
      }
    }
    return OTHER;
  }
}
