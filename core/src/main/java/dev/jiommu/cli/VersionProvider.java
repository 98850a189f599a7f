package dev.jiommu.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * Answers {@code jiommu --version}: the Maven project version (from the filtered
 * resource {@code version.properties}) and the Java runtime running it.
 */
final class VersionProvider implements IVersionProvider {

    private static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() {
        String runtime = "Java " + Runtime.version()
                + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.vm.name") + ")";
        // picocli formats version lines with String.format: escape any '%'.
        return new String[] {
            ("jiommu " + projectVersion()).replace("%", "%%"),
            runtime.replace("%", "%%"),
        };
    }

    /**
     * The project version Maven wrote into {@code version.properties}, or
     * {@code "unknown"} when the resource is missing or was not filtered (as when
     * the classes are compiled by something other than Maven).
     */
    static String projectVersion() {
        try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").strip();
            return v.isEmpty() || v.contains("${") ? "unknown" : v;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
