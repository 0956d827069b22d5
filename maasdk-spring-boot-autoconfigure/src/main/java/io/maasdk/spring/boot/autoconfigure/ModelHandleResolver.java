package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.DeploymentInfo;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.spring.boot.MaasdkModel;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.context.annotation.ContextAnnotationAutowireCandidateResolver;
import org.springframework.core.ResolvableType;

/**
 * Spring's default annotation-driven resolver, plus: a {@code ModelHandle<I, O>} injection point
 * annotated {@link MaasdkModel} gets a handle from the runtime bean, the way {@code @Value} gets
 * its value. Without the annotation, and when the application defines no {@code ModelHandle} bean
 * itself, the generic types pick the model: the one deployed model taking {@code I} to {@code O},
 * at {@code latest}; more than one such model fails with a message listing them. Thread-safe as
 * Spring's resolver is.
 */
final class ModelHandleResolver extends ContextAnnotationAutowireCandidateResolver {

  @Override
  public Object getSuggestedValue(DependencyDescriptor descriptor) {
    MaasdkModel model = descriptor.getAnnotation(MaasdkModel.class);
    if (model == null) {
      Object byType = byGenericType(descriptor);
      return byType != null ? byType : super.getSuggestedValue(descriptor);
    }
    String where = descriptor.getMember() != null ? descriptor.getMember().toString() : "?";
    if (descriptor.getDependencyType() != ModelHandle.class) {
      throw new IllegalStateException(
          "@MaasdkModel(name = \""
              + model.name()
              + "\") is on "
              + where
              + " of type "
              + descriptor.getDependencyType().getName()
              + "; it goes on a ModelHandle<I, O>");
    }
    ResolvableType type = descriptor.getResolvableType().as(ModelHandle.class);
    Class<?> in = type.getGeneric(0).resolve();
    Class<?> out = type.getGeneric(1).resolve();
    if (in == null || out == null) {
      throw new IllegalStateException(
          "@MaasdkModel(name = \""
              + model.name()
              + "\") on "
              + where
              + " needs the handle's types, e.g. ModelHandle<float[], float[]>; was "
              + type);
    }
    BeanFactory bf = getBeanFactory();
    if (bf == null) {
      throw new IllegalStateException("no bean factory to find the ModelRuntime in");
    }
    return bf.getBean(ModelRuntime.class).handle(model.name(), model.version(), in, out);
  }

  private Object byGenericType(DependencyDescriptor descriptor) {
    if (descriptor.getDependencyType() != ModelHandle.class
        || !(getBeanFactory() instanceof ListableBeanFactory bf)
        || bf.getBeanNamesForType(ModelHandle.class, true, false).length > 0
        || bf.getBeanNamesForType(ModelRuntime.class, true, false).length != 1) {
      return null;
    }
    ResolvableType type = descriptor.getResolvableType().as(ModelHandle.class);
    Class<?> in = type.getGeneric(0).resolve();
    Class<?> out = type.getGeneric(1).resolve();
    if (in == null || out == null) {
      return null;
    }
    ModelRuntime runtime = bf.getBean(ModelRuntime.class);
    Map<String, ModelHandle<?, ?>> matches = new TreeMap<>();
    for (DeploymentInfo d : runtime.deployments()) {
      if (!matches.containsKey(d.modelName())) {
        try {
          matches.put(d.modelName(), runtime.handle(d.modelName(), "latest", in, out));
        } catch (IllegalArgumentException otherTypes) {
          // another model's types
        }
      }
    }
    if (matches.size() > 1) {
      throw new IllegalStateException(
          descriptor.getMember()
              + " asks for a ModelHandle<"
              + in.getSimpleName()
              + ", "
              + out.getSimpleName()
              + ">, and models "
              + matches.keySet()
              + " all take those types: name one with @MaasdkModel(name = ..., version = ...)");
    }
    return matches.isEmpty() ? null : matches.values().iterator().next();
  }
}
