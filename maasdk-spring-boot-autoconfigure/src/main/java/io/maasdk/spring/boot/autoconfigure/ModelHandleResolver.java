package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.spring.boot.MaasdkModel;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.context.annotation.ContextAnnotationAutowireCandidateResolver;
import org.springframework.core.ResolvableType;

/**
 * Spring's default annotation-driven resolver, plus: a {@code ModelHandle<I, O>} injection point
 * annotated {@link MaasdkModel} gets a handle from the runtime bean, the way {@code @Value} gets
 * its value. Thread-safe as Spring's resolver is.
 */
final class ModelHandleResolver extends ContextAnnotationAutowireCandidateResolver {

  @Override
  public Object getSuggestedValue(DependencyDescriptor descriptor) {
    MaasdkModel model = descriptor.getAnnotation(MaasdkModel.class);
    if (model == null) {
      return super.getSuggestedValue(descriptor);
    }
    String where = descriptor.getMember() != null ? descriptor.getMember().toString() : "?";
    if (descriptor.getDependencyType() != ModelHandle.class) {
      throw new IllegalStateException("@MaasdkModel(name = \"" + model.name() + "\") is on " + where
          + " of type " + descriptor.getDependencyType().getName()
          + "; it goes on a ModelHandle<I, O>");
    }
    ResolvableType type = descriptor.getResolvableType().as(ModelHandle.class);
    Class<?> in = type.getGeneric(0).resolve();
    Class<?> out = type.getGeneric(1).resolve();
    if (in == null || out == null) {
      throw new IllegalStateException("@MaasdkModel(name = \"" + model.name() + "\") on " + where
          + " needs the handle's types, e.g. ModelHandle<float[], float[]>; was " + type);
    }
    BeanFactory bf = getBeanFactory();
    if (bf == null) {
      throw new IllegalStateException("no bean factory to find the ModelRuntime in");
    }
    return bf.getBean(ModelRuntime.class).handle(model.name(), model.version(), in, out);
  }
}
