/**
 * Metrics, metering, quotas and billing for maasdk, plugged into core through its {@link
 * io.maasdk.spi.InferenceListener} and {@link io.maasdk.spi.CallInterceptor} SPIs:
 *
 * <ul>
 *   <li>{@link io.maasdk.metrics.MaasdkMetrics} — Micrometer meters ({@code maasdk.*});
 *   <li>{@link io.maasdk.metrics.Metering} — one {@link io.maasdk.metrics.UsageRecord} per call,
 *       delivered asynchronously to {@link io.maasdk.metrics.UsageSink}s such as the durable {@link
 *       io.maasdk.metrics.LedgerSink};
 *   <li>{@link io.maasdk.metrics.LedgerReader} — usage per tenant × model × period;
 *   <li>{@link io.maasdk.metrics.PricePlan} and {@link io.maasdk.metrics.Billing} — invoices;
 *   <li>{@link io.maasdk.metrics.QuotaInterceptor} — rate limits and budgets per tenant.
 * </ul>
 */
@NullMarked
package io.maasdk.metrics;

import org.jspecify.annotations.NullMarked;
