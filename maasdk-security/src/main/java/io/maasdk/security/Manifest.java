package io.maasdk.security;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import io.maasdk.Version;
import io.maasdk.security.internal.JsonTrees;
import io.maasdk.security.internal.ModelFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a model version consists of: its name, its version and each file with its size and SHA-256.
 * Written as JSON ({@value #FORMAT}) by {@link ModelSigner} and signed with Ed25519.
 *
 * <pre>{@code
 * {"format":"maasdk-manifest/v1","name":"digits","version":"1.0.0",
 *  "files":[{"path":"model.pt.tink","size":1234,"sha256":"…"}]}
 * }</pre>
 *
 * <p>{@link #parse} is strict: at most {@value #MAX_BYTES} bytes, {@value #MAX_DEPTH} levels,
 * {@value #MAX_FILES} files, no unknown or duplicate fields, safe relative paths only. Immutable.
 */
public record Manifest(String name, Version version, List<FileEntry> files) {
  /** The {@code format} field of every manifest this version writes and reads. */
  public static final String FORMAT = "maasdk-manifest/v1";

  /** The largest manifest {@link #parse} reads, in bytes. */
  public static final int MAX_BYTES = 1 << 20;

  /** The deepest JSON nesting {@link #parse} accepts. */
  public static final int MAX_DEPTH = 4;

  /** The most files a manifest may list. */
  public static final int MAX_FILES = 4096;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /**
   * One file of a model.
   *
   * @param path relative path inside the model's folder, {@code /}-separated
   * @param size bytes
   * @param sha256 lower-case hex SHA-256 of the file as stored
   */
  public record FileEntry(String path, long size, String sha256) {
    /**
     * Checks that the path is a safe relative path, the size not negative and the digest hex.
     *
     * @param path relative path inside the model's folder, {@code /}-separated
     * @param size bytes
     * @param sha256 lower-case hex SHA-256 of the file as stored
     */
    public FileEntry {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(sha256, "sha256");
      String p = ModelFiles.pathProblem(path);
      if (p != null) {
        throw new IllegalArgumentException(
            "unsafe file path '" + ModelFiles.printable(path) + "': " + p);
      }
      if (size < 0) {
        throw new IllegalArgumentException("negative size for " + path);
      }
      if (!SHA256.matcher(sha256).matches()) {
        throw new IllegalArgumentException(
            "sha256 of " + path + " is not 64 lower-case hex digits");
      }
    }
  }

  /**
   * Checks the components and copies the file list.
   *
   * @param name the model's name
   * @param version the version
   * @param files the model's files
   */
  public Manifest {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    if (!ModelFiles.isSafeName(name)) {
      throw new IllegalArgumentException("unsafe model name '" + ModelFiles.printable(name) + "'");
    }
    files = List.copyOf(files);
    if (files.isEmpty() || files.size() > MAX_FILES) {
      throw new IllegalArgumentException("a manifest lists 1 to " + MAX_FILES + " files");
    }
    Set<String> seen = new HashSet<>();
    for (FileEntry f : files) {
      if (!seen.add(f.path())) {
        throw new IllegalArgumentException("file listed twice: " + f.path());
      }
    }
  }

  /**
   * The entry for {@code path}, or {@code null}.
   *
   * @param path a relative path, as in the manifest
   * @return the entry, or {@code null}
   */
  public @org.jspecify.annotations.Nullable FileEntry file(String path) {
    for (FileEntry f : files) {
      if (f.path().equals(path)) {
        return f;
      }
    }
    return null;
  }

  /**
   * The canonical JSON bytes (UTF-8) that {@link ModelSigner} signs: compact, each file entry on a
   * line of its own, a final newline. Signatures cover these bytes, so the layout never changes.
   *
   * @return the JSON, UTF-8
   */
  public byte[] toJson() {
    return JsonTrees.write(
        g -> {
          g.setPrettyPrinter(FILE_PER_LINE);
          g.writeStartObject();
          g.writeStringField("format", FORMAT);
          g.writeStringField("name", name);
          g.writeStringField("version", version.toString());
          g.writeArrayFieldStart("files");
          for (FileEntry f : files) {
            g.writeStartObject();
            g.writeStringField("path", f.path());
            g.writeNumberField("size", f.size());
            g.writeStringField("sha256", f.sha256());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
          g.writeRaw('\n');
        });
  }

  /** Compact JSON, but each element of an array starts a new line indented by one space. */
  private static final MinimalPrettyPrinter FILE_PER_LINE =
      new MinimalPrettyPrinter() {
        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
          g.writeRaw("\n ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
          g.writeRaw(",\n ");
        }
      };

  /**
   * Parses a manifest strictly.
   *
   * @param json the manifest file's bytes
   * @return the manifest
   * @throws IllegalArgumentException saying what is wrong (never echoing more than a field name)
   */
  public static Manifest parse(byte[] json) {
    if (json.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "manifest is " + json.length + " bytes, more than the limit of " + MAX_BYTES);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(json))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("manifest is not valid UTF-8");
    }
    Map<String, Object> root = object(JsonTrees.parse(text, MAX_DEPTH, 4096), "manifest");
    onlyFields(root, "manifest", Set.of("format", "name", "version", "files"));
    if (!FORMAT.equals(string(root, "format"))) {
      throw new IllegalArgumentException("manifest format must be " + FORMAT);
    }
    Version version;
    try {
      version = Version.parse(string(root, "version"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("manifest version is not a semantic version");
    }
    Object filesValue = root.get("files");
    if (!(filesValue instanceof List<?> list)) {
      throw new IllegalArgumentException("manifest field 'files' must be an array");
    }
    List<FileEntry> files = new ArrayList<>();
    for (Object o : list) {
      Map<String, Object> f = object(o, "file entry");
      onlyFields(f, "file entry", Set.of("path", "size", "sha256"));
      Object size = f.get("size");
      if (!(size instanceof Long s)) {
        throw new IllegalArgumentException("file entry field 'size' must be an integer");
      }
      files.add(new FileEntry(string(f, "path"), s, string(f, "sha256")));
    }
    return new Manifest(string(root, "name"), version, files);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object o, String what) {
    if (!(o instanceof Map)) {
      throw new IllegalArgumentException(what + " must be a JSON object");
    }
    return (Map<String, Object>) o;
  }

  private static void onlyFields(Map<String, Object> m, String what, Set<String> fields) {
    for (String k : m.keySet()) {
      if (!fields.contains(k)) {
        throw new IllegalArgumentException(
            what + " has an unknown field '" + ModelFiles.printable(k) + "'");
      }
    }
    for (String k : fields) {
      if (!m.containsKey(k)) {
        throw new IllegalArgumentException(what + " lacks the field '" + k + "'");
      }
    }
  }

  private static String string(Map<String, Object> m, String field) {
    if (!(m.get(field) instanceof String s)) {
      throw new IllegalArgumentException("field '" + field + "' must be a string");
    }
    return s;
  }
}
