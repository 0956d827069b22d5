/**
 * The maasdk Quarkus extension's API: {@link io.maasdk.quarkus.MaasdkModel}, the qualifier that
 * injects a {@link io.maasdk.ModelHandle}. The extension itself (a {@code @Singleton} {@link
 * io.maasdk.ModelRuntime} bean built from {@code maasdk.*} configuration at startup and closed at
 * shutdown, readiness with quarkus-smallrye-health, meters with quarkus-micrometer, metering,
 * quotas and prices from configuration with maasdk-metrics) is in {@code io.maasdk.quarkus.runtime}
 * and its build steps in maasdk-quarkus-deployment; see the README's "Quarkus" section.
 */
package io.maasdk.quarkus;
