package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.IntegrityException;
import io.maasdk.ModelArtifact;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 12: every pickle of a TorchScript archive is scanned for its globals. */
class TorchScriptPickleScanTest {
  private static final Version V = Version.parse("1.0.0");
  private static final List<String> REAL =
      List.of(
          TestModels.digitsResource("mlp", "1.0.0"),
          TestModels.digitsResource("mlp", "1.1.0"),
          TestModels.digitsResource("mlp", "2.0.0"),
          TestModels.digitsResource("cnn", "1.0.0"),
          TestModels.resource("echo"),
          TestModels.resource("slow"),
          TestModels.resource("faulty"));

  @TempDir Path tmp;

  /** A protocol-2 pickle calling {@code os.system("id")}, as torch.save of a hostile object. */
  private static final byte[] OS_SYSTEM =
      bytes(
          "\u0080\u0002cos\nsystem\nq\u0000X\u0002\u0000\u0000\u0000idq\u0001\u0085q\u0002Rq\u0003.");

  private static byte[] bytes(String latin1) {
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }

  private record Entry(String name, byte[] data, boolean deflate) {}

  private static byte[] zip(List<Entry> entries) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bos)) {
      for (Entry e : entries) {
        ZipEntry ze = new ZipEntry(e.name());
        if (!e.deflate()) {
          ze.setMethod(ZipEntry.STORED);
          ze.setSize(e.data().length);
          CRC32 crc = new CRC32();
          crc.update(e.data());
          ze.setCrc(crc.getValue());
        }
        z.putNextEntry(ze);
        z.write(e.data());
        z.closeEntry();
      }
    }
    return bos.toByteArray();
  }

  /** The entries of a real TorchScript model from the testkit, as PyTorch wrote them. */
  private List<Entry> real(String resource) throws IOException {
    Path p =
        TestModels.copy(resource, tmp.resolve("real-" + Math.abs(resource.hashCode()) + ".pt"));
    List<Entry> out = new ArrayList<>();
    try (ZipFile zf = new ZipFile(p.toFile())) {
      Enumeration<? extends ZipEntry> en = zf.entries();
      while (en.hasMoreElements()) {
        ZipEntry ze = en.nextElement();
        out.add(
            new Entry(
                ze.getName(),
                zf.getInputStream(ze).readAllBytes(),
                ze.getMethod() == ZipEntry.DEFLATED));
      }
    }
    return out;
  }

  private static IntegrityException refused(byte[] archive) {
    return assertThrows(
        IntegrityException.class,
        () -> FormatPolicy.ofDefaults().check("m", V, "model.pt", archive, archive.length));
  }

  @Test
  void realTorchScriptModels_pass() throws IOException {
    for (String r : REAL) {
      byte[] b = Files.readAllBytes(TestModels.copy(r, tmp.resolve("as-is.pt")));
      assertEquals(
          ModelFormat.TORCHSCRIPT,
          FormatPolicy.ofDefaults().check("m", V, "model.pt", b, b.length),
          r);
      byte[] rezipped = zip(real(r)); // stored and deflated entries through java.util.zip
      assertEquals(
          ModelFormat.TORCHSCRIPT,
          FormatPolicy.ofDefaults().check("m", V, "model.pt", rezipped, rezipped.length),
          r);
    }
  }

  @Test
  void osSystemInDataPkl_ofAZipWithCode_isRefusedNamingTheGlobal() throws IOException {
    byte[] evil =
        zip(
            List.of(
                new Entry("m/code/__torch__.py", bytes("x"), false),
                new Entry("m/data.pkl", OS_SYSTEM, false),
                new Entry("m/constants.pkl", bytes("\u0080\u0002)."), false)));
    IntegrityException e = refused(evil);
    assertTrue(e.getMessage().contains("os.system"), e.getMessage());
    assertTrue(e.getMessage().contains("m/data.pkl"), e.getMessage());
    assertTrue(e.getMessage().contains("m@1.0.0 file model.pt"), e.getMessage());
  }

  @Test
  void hostileGlobal_inAnyPickleOfARealModel_deflatedOrStored_isRefused() throws IOException {
    String mlp = TestModels.digitsResource("mlp", "1.0.0");
    for (String where :
        List.of("model/constants.pkl", "model/code/__torch__.py.debug_pkl", "model/extra.pkl")) {
      for (boolean deflate : new boolean[] {false, true}) {
        List<Entry> entries = new ArrayList<>();
        boolean replaced = false;
        for (Entry en : real(mlp)) {
          if (en.name().equals(where)) {
            entries.add(new Entry(where, OS_SYSTEM, deflate));
            replaced = true;
          } else {
            entries.add(en);
          }
        }
        if (!replaced) {
          entries.add(new Entry(where, OS_SYSTEM, deflate));
        }
        IntegrityException e = refused(zip(entries));
        assertTrue(
            e.getMessage().contains("os.system") && e.getMessage().contains(where),
            where + ": " + e.getMessage());
      }
    }
  }

  @Test
  void stackGlobal_throughTheMemo_isNamedAndRefused() throws IOException {
    // protocol 4: strings memoized, fetched back with BINGET, then STACK_GLOBAL: builtins.eval
    byte[] memo =
        bytes(
            "\u0080\u0004\u008c\u0008builtins\u0094\u008c\u0004eval\u0094"
                + "\u008c\u0005dummy\u0094\u0030h\u0000h\u0001\u0093\u008c\u00031+1\u0085R.");
    IntegrityException e =
        refused(
            zip(
                List.of(
                    new Entry("m/code/x.py", bytes("x"), false),
                    new Entry("m/data.pkl", memo, false))));
    assertTrue(e.getMessage().contains("builtins.eval"), e.getMessage());
    // BINPUT / LONG_BINGET and SHORT_BINUNICODE: posix.system
    byte[] put =
        bytes(
            "\u0080\u0004\u008c\u0005posixq\u0007\u008c\u0006systemr\u0009\u0000"
                + "\u0000\u0000\u0030\u0030h\u0007j\u0009\u0000\u0000\u0000\u0093).");
    e =
        refused(
            zip(
                List.of(
                    new Entry("m/code/x.py", bytes("x"), false),
                    new Entry("m/data.pkl", put, false))));
    assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
  }

  @Test
  void globalsTheScannerCannotName_andMalformedPickles_areRefused() throws IOException {
    List<byte[]> bad =
        List.of(
            bytes("\u0080\u0004K\u0001K\u0002\u0093."), // STACK_GLOBAL over two ints
            bytes("\u0080\u0002\u0082\u0001."), // EXT1: a global from the copyreg registry
            bytes("\u0080\u0002cos\nsys"), // cut inside GLOBAL
            bytes("\u0080\u0002N"), // no STOP
            bytes("\u0080\u0002\u00ff."), // unknown opcode
            bytes("\u0080\u0002h\u0005.")); // memo never stored
    for (byte[] p : bad) {
      refused(
          zip(
              List.of(
                  new Entry("m/code/x.py", bytes("x"), false), new Entry("m/data.pkl", p, false))));
    }
    // INST names its class inline like GLOBAL
    IntegrityException e =
        refused(
            zip(
                List.of(
                    new Entry("m/code/x.py", bytes("x"), false),
                    new Entry("m/data.pkl", bytes("(S'id'\nisubprocess\ncall\n."), false))));
    assertTrue(e.getMessage().contains("subprocess.call"), e.getMessage());
  }

  @Test
  void allowedGlobals_pass() throws IOException {
    byte[] ok =
        bytes(
            "\u0080\u0002c__torch__.my.mod\nNet\nq\u0000)\u0081}q\u0001b"
                + "ccollections\nOrderedDict\n)R0ctorch._utils\n_rebuild_tensor_v2\n0ctorch\nFloatStorage\n0"
                + "\u0080\u0004\u008c\u0011torch.jit._pickle\u008c\rbuild_intlist\u0093.");
    byte[] archive =
        zip(
            List.of(
                new Entry("m/code/x.py", bytes("x"), false), new Entry("m/data.pkl", ok, false)));
    assertEquals(
        ModelFormat.TORCHSCRIPT,
        FormatPolicy.ofDefaults().check("m", V, "model.pt", archive, archive.length));
  }

  @Test
  void hostileArchive_neverReachesTheEngine_throughASecureSource() throws IOException {
    Path dir = tmp.resolve("evil");
    Files.createDirectories(dir);
    Files.write(
        dir.resolve("model.pt"),
        zip(
            List.of(
                new Entry("m/code/__torch__.py", bytes("x"), false),
                new Entry("m/data.pkl", OS_SYSTEM, false))));
    var source = VerifyingModelSource.of(dir, SignaturePolicy.none());
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () -> {
              try (ModelArtifact a = source.open("evil", V)) {
                a.fileName();
              }
            });
    assertTrue(e.getMessage().contains("os.system"), e.getMessage());
    try (ModelRuntime rt =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      assertThrows(
          IntegrityException.class, () -> rt.deploy(Fixtures.spec("evil", "1.0.0", source)));
      assertTrue(rt.deployments().isEmpty());
    }
  }
}
