package io.maasdk.spi;

/**
 * Checks an input before it is queued, on the caller's thread, so that bad input never reaches a
 * worker or joins a batch with other callers' inputs. maasdk's built-in codecs implement it; a
 * custom DJL translator can too, or a validator can be set on the model spec.
 *
 * @param <I> the model's input type
 */
@FunctionalInterface
public interface InputValidator<I> {

  /**
   * Returns {@code null} if the input is acceptable, else a sentence saying what is wrong and what
   * was expected (the runtime adds the model and version).
   *
   * @param input the call's input
   * @return {@code null}, or what is wrong with it
   */
  @org.jspecify.annotations.Nullable
  String problem(I input);
}
