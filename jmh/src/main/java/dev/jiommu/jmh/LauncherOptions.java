package dev.jiommu.jmh;

/**
 * The JVM options the {@code ./jiommu} launcher passes (its DEFAULT_OPTS), for
 * the benchmark forks: JMH figures must come from the same compiled code as
 * {@code jiommu bench}. Keep in step with the launcher and docs/cli.md.
 */
final class LauncherOptions {

    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    static final String FREQ_INLINE_SIZE = "-XX:FreqInlineSize=1000";
    static final String INLINE_SMALL_CODE = "-XX:InlineSmallCode=12000";

    private LauncherOptions() {
    }
}
