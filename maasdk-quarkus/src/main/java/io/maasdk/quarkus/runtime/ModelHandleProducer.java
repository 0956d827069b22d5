package io.maasdk.quarkus.runtime;

import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.quarkus.MaasdkModel;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.InjectionPoint;
import jakarta.inject.Singleton;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/** Makes {@code @MaasdkModel ModelHandle<I, O>} injection points resolvable. */
@Singleton
public class ModelHandleProducer {

  /**
   * A handle on the model and version the qualifier names, typed by the injection point.
   *
   * @throws IllegalStateException if the injection point's types are not concrete
   * @throws io.maasdk.ModelNotFoundException if nothing deployed matches
   * @throws IllegalArgumentException if the model's types are not the injection point's
   */
  @Produces
  @Dependent
  @MaasdkModel(name = "")
  public <I, O> ModelHandle<I, O> handle(InjectionPoint ip, ModelRuntime runtime) {
    MaasdkModel model =
        ip.getQualifiers().stream()
            .filter(MaasdkModel.class::isInstance)
            .map(MaasdkModel.class::cast)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no @MaasdkModel on " + ip.getMember()));
    Type type = ip.getType();
    if (!(type instanceof ParameterizedType p) || p.getActualTypeArguments().length != 2) {
      throw new IllegalStateException(
          "@MaasdkModel(name = \""
              + model.name()
              + "\") on "
              + ip.getMember()
              + " needs the handle's types, e.g. ModelHandle<float[], float[]>;"
              + " was "
              + type);
    }
    @SuppressWarnings("unchecked")
    Class<I> in = (Class<I>) raw(p.getActualTypeArguments()[0], model, ip);
    @SuppressWarnings("unchecked")
    Class<O> out = (Class<O>) raw(p.getActualTypeArguments()[1], model, ip);
    return runtime.handle(model.name(), model.version(), in, out);
  }

  private static Class<?> raw(Type t, MaasdkModel model, InjectionPoint ip) {
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType p) {
      return raw(p.getRawType(), model, ip);
    }
    if (t instanceof GenericArrayType g) {
      return raw(g.getGenericComponentType(), model, ip).arrayType();
    }
    throw new IllegalStateException(
        "@MaasdkModel(name = \""
            + model.name()
            + "\") on "
            + ip.getMember()
            + " needs concrete handle types, not "
            + t);
  }
}
