package io.maasdk.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The one JSON factory of maasdk-metrics: Jackson's streaming API (no data binding), with read
 * limits sized for ledger lines (a corrupt line can never make the reader allocate much) and
 * duplicate keys refused (a line with two {@code units} fields is not a record). Thread-safe.
 */
final class JsonSupport {
  static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(8)
                  .maxStringLength(64 * 1024)
                  .maxNumberLength(40)
                  .maxDocumentLength(1L << 20)
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private JsonSupport() {}

  /** What a generator writes. */
  @FunctionalInterface
  interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  /** The JSON text {@code writer} produces. */
  static String write(Writer writer) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writer.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /** A parser over {@code text}. */
  static JsonParser parser(String text) throws IOException {
    return FACTORY.createParser(text);
  }
}
