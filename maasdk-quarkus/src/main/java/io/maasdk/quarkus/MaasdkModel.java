package io.maasdk.quarkus;

import jakarta.enterprise.util.Nonbinding;
import jakarta.inject.Qualifier;
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
 * @Path("/digits")
 * public class DigitsResource {
 *   @Inject
 *   @MaasdkModel(name = "digits", version = "stable")
 *   ModelHandle<float[], float[]> digits;
 * }
 * }</pre>
 *
 * <p>The runtime deploys every model at startup, before any bean can get a handle, so a name or
 * selector that matches nothing, or types that are not the model's, fail where the handle is first
 * injected, with maasdk's message naming the model and what is deployed. The handle is a dependent
 * object that holds nothing (see {@link io.maasdk.ModelHandle}).
 */
@Qualifier
@Target({ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface MaasdkModel {

  /** The model's name, as deployed. */
  @Nonbinding
  String name();

  /**
   * The version selector: an exact version ({@code "1.0.0"}), a range ({@code "^1.2"}), an alias
   * ({@code "stable"}) or {@code "latest"} (the default).
   */
  @Nonbinding
  String version() default "latest";
}
