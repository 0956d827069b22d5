package io.maasdk.metrics;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/** A calendar period for usage totals, invoices and budgets. */
public enum BillingPeriod {
  /** A calendar day. */
  DAY,
  /** A calendar month. */
  MONTH;

  /**
   * The first day of the period holding {@code date}.
   *
   * @param date any day
   * @return the period's first day
   */
  public LocalDate start(LocalDate date) {
    return this == DAY ? date : date.withDayOfMonth(1);
  }

  /**
   * The first day of the period holding {@code instant} in {@code zone}.
   *
   * @param instant any instant
   * @param zone the time zone whose calendar counts
   * @return the period's first day
   */
  public LocalDate start(Instant instant, ZoneId zone) {
    return start(LocalDate.ofInstant(instant, zone));
  }

  /**
   * The first day of the period after the one starting at {@code start}.
   *
   * @param start a period's first day
   * @return the next period's first day
   */
  public LocalDate next(LocalDate start) {
    return this == DAY ? start.plusDays(1) : start.plusMonths(1);
  }

  /**
   * When the period holding {@code instant} ends, in {@code zone}.
   *
   * @param instant any instant
   * @param zone the time zone whose calendar counts
   * @return the first instant after the period
   */
  public Instant end(Instant instant, ZoneId zone) {
    return ZonedDateTime.of(next(start(instant, zone)).atStartOfDay(), zone).toInstant();
  }

  /**
   * {@code 2026-11} for a month, {@code 2026-11-23} for a day.
   *
   * @param start the period's first day
   * @return the period's label
   */
  public String label(LocalDate start) {
    return this == DAY ? start.toString() : start.toString().substring(0, 7);
  }
}
