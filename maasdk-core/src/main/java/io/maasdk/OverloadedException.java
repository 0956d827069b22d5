package io.maasdk;

/**
 * The version's bounded queue is full: the call was refused at once and nothing was queued. Back
 * off and retry, add replicas, or raise {@link ModelSpec.Builder#queueCapacity(int)}. Carries no
 * stack trace: it is a flow-control signal, raised at high rates under overload.
 */
public class OverloadedException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  private final int queueCapacity;

  /**
   * Creates the exception for a full queue.
   *
   * @param modelName the model
   * @param version the version whose queue is full
   * @param queueCapacity the queue's capacity, named in the message
   */
  public OverloadedException(String modelName, Version version, int queueCapacity) {
    super(
        modelName,
        version,
        "model "
            + modelName
            + "@"
            + version
            + " is overloaded: its queue of "
            + queueCapacity
            + " requests is full. Retry later, add replicas, or raise queueCapacity.",
        false);
    this.queueCapacity = queueCapacity;
  }

  /**
   * Overload reported by something other than this version's queue, such as a remote server that
   * answered 429; {@link #queueCapacity()} is then -1.
   *
   * @param modelName the model
   * @param version the version that refused the call
   * @param message why it refused
   */
  public OverloadedException(String modelName, Version version, String message) {
    super(modelName, version, message, false);
    this.queueCapacity = -1;
  }

  /**
   * The capacity of the queue that was full, or -1 when a remote server reported the overload.
   *
   * @return the capacity, or -1
   */
  public int queueCapacity() {
    return queueCapacity;
  }
}
