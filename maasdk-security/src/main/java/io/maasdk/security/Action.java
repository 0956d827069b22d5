package io.maasdk.security;

import io.maasdk.spi.ManagementRequest;
import java.util.Locale;

/** What a principal may do to a model. {@link #ADMIN} implies every other action. */
public enum Action {
  /** Calling the model. */
  PREDICT,
  /** Deploying a version of the model. */
  DEPLOY,
  /** Undeploying a version of the model. */
  UNDEPLOY,
  /** Moving or rolling back an alias. */
  ALIAS,
  /** Dropping a model's cached responses. */
  INVALIDATE,
  /** Every action on the model: it implies all the others. */
  ADMIN;

  /**
   * The lower-case name used in messages and policies: {@code predict}, {@code deploy}, …
   *
   * @return the label
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The action a runtime management operation needs.
   *
   * @param action the runtime's management operation
   * @return the action a principal needs for it
   */
  public static Action of(ManagementRequest.Action action) {
    switch (action) {
      case DEPLOY:
        return DEPLOY;
      case UNDEPLOY:
        return UNDEPLOY;
      case INVALIDATE:
        return INVALIDATE;
      default:
        return ALIAS; // ALIAS and ROLLBACK
    }
  }

  /**
   * Parses {@code predict}, {@code deploy}, … (case-insensitive).
   *
   * @param text the action's label
   * @return the action
   */
  public static Action parse(String text) {
    return valueOf(text.toUpperCase(Locale.ROOT));
  }
}
