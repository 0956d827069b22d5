package io.maasdk.ops;

import io.maasdk.spi.StateStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * One archive with everything a runtime needs to come back elsewhere: every key of its {@link
 * StateStore} (aliases with their history, rollouts) and any files you add, such as maasdk-metrics'
 * usage ledger and maasdk-security's audit log. The archive is a zip with a {@code MANIFEST}
 * listing each entry's SHA-256; {@link #restore} checks every entry against it before writing
 * anything.
 *
 * <pre>{@code
 * Backups.export(store, Map.of("ledger.jsonl", ledgerPath, "audit.log", auditPath), archive);
 * // elsewhere, before building the runtime:
 * Backups.restore(archive, StateStore.directory(newStateDir), newFilesDir);
 * }</pre>
 *
 * <p>Take the backup while the runtime is idle for management (no alias move or rollout step during
 * it), or accept that each key is as of the moment it was read. Stateless; thread-safe.
 */
public final class Backups {
  private static final String MANIFEST = "MANIFEST";
  private static final String HEADER = "maasdk-backup 1";

  private Backups() {}

  /**
   * What an archive holds.
   *
   * @param keys the state store keys, sorted
   * @param files the added files, by name
   */
  public record Contents(List<String> keys, List<String> files) {
    /**
     * Copies both lists.
     *
     * @param keys the state store keys, sorted
     * @param files the added files, by name
     */
    public Contents {
      keys = List.copyOf(keys);
      files = List.copyOf(files);
    }
  }

  /**
   * Writes {@code store}'s keys and {@code files} (name → file) to {@code archive}, atomically: to
   * a temporary file, forced to disk, then renamed over {@code archive}.
   *
   * @param store the durable state to back up (read, never changed)
   * @param files further files to add, by their name in the archive
   * @param archive the archive to write
   * @return what the archive holds
   * @throws IllegalArgumentException if a file name is not a plain name ({@code ledger.jsonl})
   * @throws UncheckedIOException if something cannot be read or written (no archive is left)
   */
  public static Contents export(StateStore store, Map<String, Path> files, Path archive) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(archive, "archive");
    Map<String, byte[]> entries = new TreeMap<>();
    List<String> keys = store.keys("");
    for (String key : keys) {
      store.read(key).ifPresent(v -> entries.put("state/" + enc(key), v));
    }
    new TreeMap<>(files)
        .forEach(
            (name, path) -> {
              if (!name.matches("[A-Za-z0-9._-]{1,128}") || name.startsWith(".")) {
                throw new IllegalArgumentException(
                    "backup file name '" + name + "': use a plain name");
              }
              try {
                entries.put("files/" + name, Files.readAllBytes(path));
              } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path + " for the backup", e);
              }
            });
    StringBuilder manifest = new StringBuilder(HEADER).append('\n');
    entries.forEach((n, b) -> manifest.append(sha256(b)).append(' ').append(n).append('\n'));
    Path tmp = archive.resolveSibling(archive.getFileName() + ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(out)) {
        zip.putNextEntry(new ZipEntry(MANIFEST));
        zip.write(manifest.toString().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
          zip.putNextEntry(new ZipEntry(e.getKey()));
          zip.write(e.getValue());
          zip.closeEntry();
        }
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort
      }
      throw new UncheckedIOException("cannot write backup " + archive, e);
    }
    return new Contents(keys, List.copyOf(new TreeMap<>(files).keySet()));
  }

  /**
   * Restores {@code archive} into {@code store} (which must be empty: a restore never mixes two
   * histories) and its files into {@code filesDir}. Every entry is checked against the manifest
   * first; nothing is written if one does not match.
   *
   * @param archive the archive to restore
   * @param store the empty state store to fill
   * @param filesDir where the archive's other files are written, by their names in the archive
   * @return what was restored
   * @throws IllegalStateException if {@code store} is not empty (names its keys)
   * @throws IllegalArgumentException if the archive is not a maasdk backup or an entry does not
   *     match the manifest (names the entry)
   * @throws UncheckedIOException if something cannot be read or written
   */
  public static Contents restore(Path archive, StateStore store, Path filesDir) {
    List<String> present = store.keys("");
    if (!present.isEmpty()) {
      throw new IllegalStateException(
          "cannot restore "
              + archive
              + " into "
              + store
              + ": it is not empty ("
              + present
              + "); restore into a fresh one");
    }
    Map<String, byte[]> entries = verified(archive);
    List<String> keys = new java.util.ArrayList<>();
    List<String> files = new java.util.ArrayList<>();
    try {
      Files.createDirectories(filesDir);
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        if (e.getKey().startsWith("state/")) {
          String key = URLDecoder.decode(e.getKey().substring(6), StandardCharsets.UTF_8);
          store.write(key, e.getValue());
          keys.add(key);
        } else if (e.getKey().startsWith("files/")) {
          String name = e.getKey().substring(6);
          Files.write(filesDir.resolve(name), e.getValue());
          files.add(name);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore " + archive + " into " + filesDir, e);
    }
    keys.sort(null);
    files.sort(null);
    return new Contents(keys, files);
  }

  /**
   * What {@code archive} holds, after checking every entry against its manifest; writes nothing.
   *
   * @param archive the archive to check
   * @return its state keys and file names
   * @throws IllegalArgumentException if the archive is not a maasdk backup or an entry does not
   *     match the manifest (names the entry)
   * @throws UncheckedIOException if it cannot be read
   */
  public static Contents inspect(Path archive) {
    List<String> keys = new java.util.ArrayList<>();
    List<String> files = new java.util.ArrayList<>();
    for (String name : verified(archive).keySet()) {
      if (name.startsWith("state/")) {
        keys.add(URLDecoder.decode(name.substring(6), StandardCharsets.UTF_8));
      } else {
        files.add(name.substring(6));
      }
    }
    keys.sort(null);
    files.sort(null);
    return new Contents(keys, files);
  }

  /** The archive's entries (manifest removed), each checked against the manifest. */
  private static Map<String, byte[]> verified(Path archive) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        entries.put(e.getName(), readAll(zip));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read backup " + archive, e);
    }
    byte[] manifest = entries.remove(MANIFEST);
    String[] lines =
        manifest == null ? new String[0] : new String(manifest, StandardCharsets.UTF_8).split("\n");
    if (lines.length == 0 || !lines[0].equals(HEADER)) {
      throw new IllegalArgumentException(archive + " is not a maasdk backup (no manifest)");
    }
    Map<String, String> expected = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int sp = lines[i].indexOf(' ');
      expected.put(lines[i].substring(sp + 1), lines[i].substring(0, sp));
    }
    if (!expected.keySet().equals(new TreeMap<>(entries).keySet())) {
      throw new IllegalArgumentException(
          "backup "
              + archive
              + " lists "
              + expected.keySet()
              + " but holds "
              + new TreeMap<>(entries).keySet());
    }
    entries.forEach(
        (name, bytes) -> {
          if (!sha256(bytes).equals(expected.get(name))) {
            throw new IllegalArgumentException(
                "backup "
                    + archive
                    + ": entry "
                    + name
                    + " does not match its SHA-256 in the manifest; nothing was restored");
          }
          boolean file = name.startsWith("files/");
          if (!file && !name.startsWith("state/")) {
            throw new IllegalArgumentException("backup " + archive + ": unexpected entry " + name);
          }
          String plain = name.substring(6);
          if (file && (!plain.matches("[A-Za-z0-9._-]{1,128}") || plain.startsWith("."))) {
            throw new IllegalArgumentException(
                "backup entry " + name + " is not a plain file name");
          }
        });
    return entries;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
