package io.maasdk.internal;

import io.maasdk.ModelArtifact;
import io.maasdk.ModelSource;
import io.maasdk.Version;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The built-in {@link ModelSource}s. Not API: use the factories on {@link ModelSource}. */
public final class Sources {
  private Sources() {}

  public static ModelSource file(Path file) {
    Objects.requireNonNull(file, "file");
    Path abs = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(abs) || !Files.isReadable(abs)) {
      throw new IllegalArgumentException(
          "model file " + abs + " does not exist or is not a readable regular file");
    }
    return new ModelSource() {
      @Override
      public ModelArtifact open(String modelName, Version version) throws IOException {
        if (!Files.isRegularFile(abs)) {
          throw new NoSuchFileException(abs.toString(), null, "model file disappeared");
        }
        return artifact(abs.getFileName().toString(), null, () -> Files.newInputStream(abs));
      }

      @Override
      public String describe() {
        return "file:" + abs;
      }
    };
  }

  public static ModelSource directory(Path directory) {
    Objects.requireNonNull(directory, "directory");
    Path abs = directory.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new IllegalArgumentException("model directory " + abs + " is not a directory");
    }
    return new ModelSource() {
      @Override
      public ModelArtifact open(String modelName, Version version) throws IOException {
        Path main = mainFile(abs);
        return artifact(main.getFileName().toString(), abs, () -> Files.newInputStream(main));
      }

      @Override
      public String describe() {
        return "dir:" + abs;
      }
    };
  }

  public static ModelSource classpath(String resource, @Nullable ClassLoader loader) {
    Objects.requireNonNull(resource, "resource");
    String name = resource.startsWith("/") ? resource.substring(1) : resource;
    return new ModelSource() {
      @Override
      public ModelArtifact open(String modelName, Version version) throws IOException {
        ClassLoader cl = loader;
        if (cl == null) {
          cl = Thread.currentThread().getContextClassLoader();
        }
        if (cl == null || cl.getResource(name) == null) {
          cl = Sources.class.getClassLoader();
        }
        if (cl.getResource(name) == null) {
          throw new NoSuchFileException("classpath:" + name, null, "no such resource");
        }
        ClassLoader found = cl;
        String fileName = name.substring(name.lastIndexOf('/') + 1);
        return artifact(
            fileName,
            null,
            () -> {
              InputStream in = found.getResourceAsStream(name);
              if (in == null) {
                throw new NoSuchFileException("classpath:" + name);
              }
              return in;
            });
      }

      @Override
      public String describe() {
        return "classpath:" + name;
      }
    };
  }

  /**
   * The file a directory's model is in: model.pt, model.onnx, &lt;dir&gt;.pt/.onnx, or the only
   * one.
   */
  static Path mainFile(Path dir) throws IOException {
    String base = dir.getFileName() == null ? "model" : dir.getFileName().toString();
    for (String candidate :
        new String[] {"model.pt", "model.onnx", base + ".pt", base + ".onnx", "model.params"}) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    try (var files = Files.list(dir)) {
      var models =
          files
              .filter(Files::isRegularFile)
              .filter(p -> p.toString().matches(".*\\.(pt|onnx|params|torchscript)$"))
              .toList();
      if (models.size() == 1) {
        return models.get(0);
      }
      throw new NoSuchFileException(
          dir.toString(),
          null,
          models.isEmpty()
              ? "no model file (model.pt, model.onnx, *.pt, *.onnx) in the directory"
              : "several model files " + models + "; name one model.pt or model.onnx");
    }
  }

  /** Opens a stream; may throw. */
  @FunctionalInterface
  interface StreamOpener {
    InputStream open() throws IOException;
  }

  static ModelArtifact artifact(String fileName, @Nullable Path path, StreamOpener opener) {
    return new ModelArtifact() {
      @Override
      public String fileName() {
        return fileName;
      }

      @Override
      public Optional<Path> path() {
        return Optional.ofNullable(path);
      }

      @Override
      public InputStream openStream() throws IOException {
        return opener.open();
      }
    };
  }
}
