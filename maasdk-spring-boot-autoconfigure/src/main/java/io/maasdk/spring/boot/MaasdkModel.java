package io.maasdk.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Injects a {@link io.maasdk.ModelHandle} on a deployed model. The handle's input and output types
 * come from the injection point's generics, which must be concrete:
 *
 * <pre>{@code
 * @RestController
 * class DigitsController {
 *   private final ModelHandle<float[], float[]> digits;
 *
 *   DigitsController(@MaasdkModel(name = "digits", version = "stable")
 *       ModelHandle<float[], float[]> digits) {
 *     this.digits = digits;
 *   }
 * }
 * }</pre>
 *
 * <p>Works on constructor and method parameters and on fields. The model is deployed before the
 * handle is made (the runtime bean deploys every model before anything can use it), so a name or
 * selector that matches nothing, or types that are not the model's, fail the application's startup
 * with maasdk's message naming the model and what is deployed.
 *
 * <p>Without this annotation a {@code ModelHandle<I, O>} is injected only when exactly one deployed
 * model takes {@code I} to {@code O} (and the application defines no {@code ModelHandle} bean
 * itself): a handle on that model's {@code latest}. When several do, startup fails listing them.
 *
 * <p>This is not a Spring {@code @Qualifier}: the handle is made by maasdk's auto-configuration for
 * the injection point, it is not a bean, and it holds nothing (see {@link io.maasdk.ModelHandle}).
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface MaasdkModel {

  /**
   * The model's name, as deployed.
   *
   * @return the model name
   */
  String name();

  /**
   * The version selector: an exact version ({@code "1.0.0"}), a range ({@code "^1.2"}), an alias
   * ({@code "stable"}) or {@code "latest"} (the default).
   *
   * @return the selector the injected handle resolves
   */
  String version() default "latest";
}
