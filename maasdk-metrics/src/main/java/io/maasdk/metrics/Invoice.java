package io.maasdk.metrics;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Currency;
import java.util.List;
import java.util.Objects;

/**
 * What one tenant owes for one period under one {@link PricePlan}. Immutable. The {@link #total()}
 * is the exact sum of the lines' amounts.
 *
 * @param tenant the tenant
 * @param plan the plan's name
 * @param currency the currency of every amount
 * @param period the kind of period
 * @param periodStart its first day
 * @param lines one per model used and kind of unit priced, by model name (its {@code units} line
 *     first, then other kinds by name)
 * @param total the sum of the lines' amounts
 */
public record Invoice(
    String tenant,
    String plan,
    Currency currency,
    BillingPeriod period,
    LocalDate periodStart,
    List<InvoiceLine> lines,
    BigDecimal total) {

  /** CSV header of {@link #toCsv()}. */
  public static final String CSV_HEADER =
      "tenant,plan,period,model,unit,calls,successes,units,cache_hit_units,chargeable_units,"
          + "free_units,billed_units,price_per_1000,currency,amount";

  /**
   * Checks the components and copies the lines.
   *
   * @param tenant the tenant
   * @param plan the plan's name
   * @param currency the currency of every amount
   * @param period the kind of period
   * @param periodStart its first day
   * @param lines one per model used and kind of unit priced, by model name (its {@code units} line
   *     first, then other kinds by name)
   * @param total the sum of the lines' amounts
   */
  public Invoice {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(periodStart, "periodStart");
    lines = List.copyOf(lines);
    Objects.requireNonNull(total, "total");
    BigDecimal sum =
        lines.stream().map(InvoiceLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
    if (sum.compareTo(total) != 0) {
      throw new IllegalArgumentException("total " + total + " is not the sum of lines " + sum);
    }
  }

  /**
   * {@code 2026-11} or {@code 2026-11-23}.
   *
   * @return the period's label
   */
  public String periodLabel() {
    return period.label(periodStart);
  }

  /**
   * The header and one row per line (RFC 4180 quoting). The total is the sum of {@code amount}.
   *
   * @return the CSV text, lines ending in CRLF
   */
  public String toCsv() {
    StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
    appendCsvRows(b);
    return b.toString();
  }

  /**
   * Appends this invoice's rows (no header) to {@code b}, for exporting many invoices.
   *
   * @param b where the rows are appended
   */
  public void appendCsvRows(StringBuilder b) {
    for (InvoiceLine l : lines) {
      b.append(csv(tenant))
          .append(',')
          .append(csv(plan))
          .append(',')
          .append(periodLabel())
          .append(',')
          .append(csv(l.model()))
          .append(',')
          .append(l.unit())
          .append(',')
          .append(l.calls())
          .append(',')
          .append(l.successes())
          .append(',')
          .append(l.units())
          .append(',')
          .append(l.cacheHitUnits())
          .append(',')
          .append(l.chargeableUnits())
          .append(',')
          .append(l.freeUnits())
          .append(',')
          .append(l.billedUnits())
          .append(',')
          .append(l.pricePer1000().toPlainString())
          .append(',')
          .append(currency.getCurrencyCode())
          .append(',')
          .append(l.amount().toPlainString())
          .append('\n');
    }
  }

  /**
   * This invoice as one JSON object; amounts are strings, so no reader turns them into doubles.
   *
   * @return the JSON text
   */
  public String toJson() {
    return JsonSupport.write(
        g -> {
          g.writeStartObject();
          g.writeStringField("tenant", tenant);
          g.writeStringField("plan", plan);
          g.writeStringField("period", periodLabel());
          g.writeStringField("currency", currency.getCurrencyCode());
          g.writeArrayFieldStart("lines");
          for (InvoiceLine l : lines) {
            g.writeStartObject();
            g.writeStringField("model", l.model());
            g.writeStringField("unit", l.unit());
            g.writeNumberField("calls", l.calls());
            g.writeNumberField("successes", l.successes());
            g.writeNumberField("units", l.units());
            g.writeNumberField("cacheHitUnits", l.cacheHitUnits());
            g.writeNumberField("chargeableUnits", l.chargeableUnits());
            g.writeNumberField("freeUnits", l.freeUnits());
            g.writeNumberField("billedUnits", l.billedUnits());
            g.writeStringField("pricePer1000", l.pricePer1000().toPlainString());
            g.writeStringField("amount", l.amount().toPlainString());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeStringField("total", total.toPlainString());
          g.writeEndObject();
        });
  }

  private static String csv(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
