package io.maasdk.ops;

import io.maasdk.ModelRepository;
import io.maasdk.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ModelStore#fileSystem}: versions from {@link ModelRepository#scan}, each fingerprinted
 * with a SHA-256 of its files' relative paths and contents (a file is hashed again only when its
 * size or modification time changed), and a {@link WatchService} on the model's folder and its
 * version folders for events. Thread-safe.
 */
final class FileSystemStore implements ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemStore.class);

  private final ModelRepository repository;

  /** file → (size, mtime, digest), so unchanged files are not read again on every pass. */
  private final Map<Path, FileDigest> digests = new ConcurrentHashMap<>();

  private record FileDigest(long size, long modified, byte[] sha256) {}

  FileSystemStore(ModelRepository repository) {
    this.repository = repository;
  }

  @Override
  public NavigableMap<Version, StoredVersion> list(String model) {
    NavigableMap<Version, StoredVersion> out = new TreeMap<>();
    repository
        .scan(model)
        .versions()
        .forEach(
            (v, source) -> {
              Path folder = repository.root().resolve(model).resolve(v.toString());
              out.put(v, new StoredVersion(v, source, fingerprint(folder), folder));
            });
    return out;
  }

  /** SHA-256 over each regular file's relative path and content digest, in path order. */
  String fingerprint(Path folder) {
    try (Stream<Path> s = Files.walk(folder)) {
      List<Path> files = s.filter(Files::isRegularFile).sorted().toList();
      MessageDigest md = sha256();
      for (Path f : files) {
        md.update(
            folder.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(digest(f));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder + " to fingerprint it", e);
    }
  }

  private byte[] digest(Path f) throws IOException {
    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
    long size = a.size();
    long modified = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
    FileDigest known = digests.get(f);
    if (known != null && known.size == size && known.modified == modified) {
      return known.sha256;
    }
    MessageDigest md = sha256();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(f)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    byte[] d = md.digest();
    digests.put(f, new FileDigest(size, modified, d));
    return d;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  @Override
  public ChangeFeed changes(String model) {
    Path dir = repository.root().resolve(model);
    WatchService ws;
    try {
      ws = FileSystems.getDefault().newWatchService();
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("no file-system events for {} ({}); polling only", dir, e.toString());
      return ChangeFeed.NONE;
    }
    return new Feed(dir, ws);
  }

  /** Events of the model folder and each version folder (registered as they appear). */
  private static final class Feed implements ChangeFeed {
    private final Path dir;
    private final WatchService ws;
    private final Map<Path, WatchKey> keys = new ConcurrentHashMap<>();

    Feed(Path dir, WatchService ws) {
      this.dir = dir;
      this.ws = ws;
      registerAll();
    }

    private void register(Path p) {
      keys.computeIfAbsent(
          p,
          k -> {
            try {
              return p.register(
                  ws,
                  StandardWatchEventKinds.ENTRY_CREATE,
                  StandardWatchEventKinds.ENTRY_DELETE,
                  StandardWatchEventKinds.ENTRY_MODIFY);
            } catch (IOException e) {
              return null; // gone meanwhile, or not watchable: polling covers it
            }
          });
    }

    private void registerAll() {
      if (!Files.isDirectory(dir)) {
        return;
      }
      register(dir);
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isDirectory).forEach(this::register);
      } catch (IOException e) {
        // polling covers it
      }
      keys.entrySet().removeIf(e -> e.getValue() == null || !e.getValue().isValid());
    }

    @Override
    public boolean await(long nanos) throws InterruptedException {
      WatchKey key;
      try {
        key = ws.poll(nanos, TimeUnit.NANOSECONDS);
      } catch (ClosedWatchServiceException e) {
        throw new InterruptedException("closed");
      }
      if (key == null) {
        return false;
      }
      do {
        key.pollEvents();
        key.reset();
        key = ws.poll();
      } while (key != null);
      registerAll(); // new version folders get watched too
      return true;
    }

    @Override
    public void close() {
      try {
        ws.close();
      } catch (IOException e) {
        LOG.debug("closing the watch service of {}", dir, e);
      }
    }
  }

  @Override
  public String describe() {
    return "file:" + repository.root();
  }
}
