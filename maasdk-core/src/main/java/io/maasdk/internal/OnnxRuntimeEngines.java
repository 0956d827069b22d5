package io.maasdk.internal;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts DJL's ONNX Runtime engine whether or not another library (LangChain4j's in-process
 * embedding models, a direct ONNX Runtime user) created ONNX Runtime's JVM-wide {@code
 * OrtEnvironment} first.
 *
 * <p>The cause, in DJL 0.35.1: {@code OrtEngine}'s constructor always calls {@code
 * OrtEnvironment.getEnvironment(level, name, threadingOptions)}, and ONNX Runtime's Java API throws
 * {@code IllegalStateException("Tried to specify the thread pool when creating an OrtEnvironment,
 * but one already exists")} from that overload whenever an environment exists, even when the
 * threading options are empty. The constructor runs in the static initializer of {@code
 * OrtEngineProvider.InstanceHolder}, so the failure is permanent for the JVM: every later {@code
 * Engine.getEngine("OnnxRuntime")} throws {@code NoClassDefFoundError}. The other order works,
 * because other libraries call the plain {@code getEnvironment()}, which returns the existing
 * environment.
 *
 * <p>The fix: when DJL's engine fails for exactly that reason, this class makes an {@code
 * OrtEngine} that wraps the existing environment (ONNX Runtime allows one per process anyway) and
 * puts a provider for it in DJL's engine registry in place of the broken one. Everything DJL does
 * with the engine afterwards (models, sessions, tensors) is unchanged. The global thread pools DJL
 * would have configured are only used by sessions that opt into them, which maasdk's do not, so
 * nothing is lost. This needs reflective access to DJL's {@code Engine} and {@code OrtEngine}
 * (granted on the class path; on the module path DJL's jars are automatic modules, which are open)
 * and {@code sun.misc.Unsafe}, from {@code jdk.unsupported}, to create the engine without running
 * the constructor that throws. Thread-safe: {@link #engine()} is synchronized.
 */
final class OnnxRuntimeEngines {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxRuntimeEngines.class);
  static final String NAME = "OnnxRuntime";

  /** The part of ONNX Runtime's message that identifies this failure and nothing else. */
  private static final String ALREADY_EXISTS = "but one already exists";

  private static @Nullable Engine adopted;

  private OnnxRuntimeEngines() {}

  /**
   * DJL's ONNX Runtime engine, started now if it was not.
   *
   * @throws IllegalStateException if ONNX Runtime's environment exists and DJL's engine could not
   *     be made to use it (the message says why); other start failures are rethrown unchanged
   */
  static synchronized Engine engine() {
    if (adopted != null) {
      return adopted;
    }
    try {
      return Engine.getEngine(NAME);
    } catch (LinkageError e) { // ExceptionInInitializerError first, NoClassDefFoundError after
      if (!causedByExistingEnvironment(e)) {
        throw e;
      }
      adopted = adoptExistingEnvironment(e);
      LOG.info(
          "ONNX Runtime's environment was created by another library before maasdk's first"
              + " ONNX model; DJL's OnnxRuntime engine now uses that environment");
      return adopted;
    }
  }

  static boolean causedByExistingEnvironment(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(ALREADY_EXISTS)) {
        return true;
      }
    }
    return false;
  }

  private static Engine adoptExistingEnvironment(Throwable why) {
    try {
      Class<?> envClass = Class.forName("ai.onnxruntime.OrtEnvironment");
      Object env = envClass.getMethod("getEnvironment").invoke(null); // the existing one
      Class<?> engineClass = Class.forName("ai.djl.onnxruntime.engine.OrtEngine");
      Engine engine = (Engine) allocateWithoutConstructor(engineClass);
      Field envField = engineClass.getDeclaredField("env");
      envField.setAccessible(true);
      envField.set(engine, env);

      Field registry = Engine.class.getDeclaredField("ALL_ENGINES");
      registry.setAccessible(true);
      @SuppressWarnings("unchecked")
      Map<String, EngineProvider> providers = (Map<String, EngineProvider>) registry.get(null);
      int rank = engine.getRank();
      providers.put(
          NAME,
          new EngineProvider() {
            @Override
            public String getEngineName() {
              return NAME;
            }

            @Override
            public int getEngineRank() {
              return rank;
            }

            @Override
            public Engine getEngine() {
              return engine;
            }
          });
      return engine;
    } catch (ReflectiveOperationException | RuntimeException e) {
      IllegalStateException ise =
          new IllegalStateException(
              "DJL's OnnxRuntime engine cannot start because another library created ONNX Runtime's"
                  + " environment first, and maasdk could not make DJL use that environment ("
                  + e
                  + "). Deploy the ONNX model through maasdk before that library creates its model,"
                  + " or run with --add-opens for ai.djl.api and jdk.unsupported available.",
              why);
      ise.addSuppressed(e);
      throw ise;
    }
  }

  /** An instance of {@code type} whose constructors have not run (fields at their defaults). */
  private static Object allocateWithoutConstructor(Class<?> type)
      throws ReflectiveOperationException {
    Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
    Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
    theUnsafe.setAccessible(true);
    Method allocate = unsafeClass.getMethod("allocateInstance", Class.class);
    return allocate.invoke(theUnsafe.get(null), type);
  }
}
