/**
 * maasdk metrics: Micrometer meters, metering into a durable usage ledger, quotas, price plans and
 * invoices. Only {@code io.maasdk.metrics} is API; {@code io.maasdk.metrics.internal} is not
 * exported.
 */
// Micrometer ships only an Automatic-Module-Name
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.maasdk.metrics {
  requires transitive io.maasdk.core;
  requires transitive micrometer.core;
  requires static transitive org.jspecify;
  requires com.fasterxml.jackson.core;
  requires org.slf4j;

  exports io.maasdk.metrics;
}
