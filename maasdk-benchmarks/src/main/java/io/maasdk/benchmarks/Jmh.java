package io.maasdk.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs one JMH benchmark class from the suite, every benchmark in it under the same settings (one
 * fork each, same warm-up and measurement), so a figure's maasdk side and its baseline are measured
 * alike in one run.
 *
 * <p>The forks inherit this JVM's class path ({@code java.class.path}: the suite is started by
 * exec-maven-plugin with the module's full class path) and its {@code -D}/{@code -X} options, and
 * always get {@code -Dai.djl.offline=true}, so no fork downloads natives or phones home.
 */
final class Jmh {
  private Jmh() {}

  /** A benchmark's score with its 99.9% error, in the benchmark's own time unit. */
  record Score(double value, double error, String unit) {
    String format(String digits) {
      return String.format(
          Locale.ROOT,
          "%" + digits + "f ± %" + digits + "f %s",
          value,
          error,
          unit.replace("/op", "")); // "ns", followed by "/call" in the notes
    }
  }

  /** Runs every benchmark of {@code type} in one fork each; scores by method name. */
  static Map<String, Score> run(
      Class<?> type, int warmups, TimeValue warmupTime, int measurements, TimeValue measurementTime)
      throws RunnerException {
    return run(type, 1, warmups, warmupTime, measurements, measurementTime);
  }

  /**
   * Runs every benchmark of {@code type} in {@code forks} forks each (the score pools every fork's
   * iterations, so fork-to-fork differences show in the error); scores by method name.
   */
  static Map<String, Score> run(
      Class<?> type,
      int forks,
      int warmups,
      TimeValue warmupTime,
      int measurements,
      TimeValue measurementTime)
      throws RunnerException {
    Options options =
        new OptionsBuilder()
            .include("^" + java.util.regex.Pattern.quote(type.getName()) + "\\.")
            .forks(forks)
            .threads(1)
            .warmupIterations(warmups)
            .warmupTime(warmupTime)
            .measurementIterations(measurements)
            .measurementTime(measurementTime)
            .jvmArgs(forkArgs().toArray(new String[0]))
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> results = new Runner(options).run();
    Map<String, Score> scores = new HashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      Result<?> p = r.getPrimaryResult();
      scores.put(
          name.substring(name.lastIndexOf('.') + 1),
          new Score(p.getScore(), p.getScoreError(), p.getScoreUnit()));
    }
    return scores;
  }

  static Score score(Map<String, Score> scores, String benchmark) {
    Score s = scores.get(benchmark);
    if (s == null) {
      throw new IllegalStateException("JMH reported no result for " + benchmark + ": " + scores);
    }
    return s;
  }

  /** This JVM's system properties and heap settings, plus the offline switches. */
  private static List<String> forkArgs() {
    List<String> args = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-D") || a.startsWith("-X")) {
        args.add(a);
      }
    }
    for (String a : List.of("-Dai.djl.offline=true", "-Dai.djl.disable_usage_tracking=true")) {
      if (!args.contains(a)) {
        args.add(a);
      }
    }
    return args;
  }
}
