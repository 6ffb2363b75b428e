package org.ptth.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The command line of the bench (scripts/bench passes its own arguments on, after --root and --tomcat-home). */
public record BenchOptions(Path root, Path tomcatHome, String commit, boolean quick, List<String> transports,
                           int tunnels, Set<String> sections, boolean profile) {

    /** The parts of a run, in the order they run; --only picks some. */
    public static final List<String> SECTIONS = List.of("echo", "workloads", "stalled", "capacity", "backpressure",
            "fronts");

    public static final String USAGE = String.join("\n",
            "usage: scripts/bench [--quick] [--no-build] [--transports T1,T2,...] [--tunnels N] [--only S1,S2,...]"
                    + " [--profile]",
            "  --quick              short runs (about 10 minutes for two transports, 200 tunnels, 64 MiB of"
                    + " backpressure)",
            "  --no-build           use what the last build left in */target",
            "  --transports LIST    the ptth transports to measure (default: every --transport value the proxies offer)",
            "  --tunnels N          concurrent tunnels to open (default 10000; 200 with --quick)",
            "  --only LIST          only these sections: " + String.join(",", SECTIONS),
            "  --profile            JFR in the relay and both proxies during the throughput runs");

    /** Thrown for a bad command line: the message is for the user, with the usage. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        public UsageException(final String message) {
            super(message);
        }
    }

    public boolean runs(final String section) {
        return sections.contains(section);
    }

    public static BenchOptions parse(final List<String> args) throws UsageException {
        Path root = null;
        Path tomcat = null;
        String commit = "?";
        boolean quick = false;
        boolean profile = false;
        List<String> transports = List.of();
        Integer tunnels = null;
        Set<String> sections = new LinkedHashSet<>(SECTIONS);
        for (int i = 0; i < args.size(); i++) {
            final String a = args.get(i);
            switch (a) {
                case "--quick" -> quick = true;
                case "--profile" -> profile = true;
                case "--root" -> root = Path.of(value(args, ++i, a));
                case "--tomcat-home" -> tomcat = Path.of(value(args, ++i, a));
                case "--commit" -> commit = value(args, ++i, a);
                case "--transports" -> transports = list(value(args, ++i, a), a);
                case "--tunnels" -> {
                    final String v = value(args, ++i, a);
                    if (!v.matches("[1-9][0-9]{0,5}")) {
                        throw new UsageException("--tunnels needs a number of tunnels from 1 to 999999, not " + v);
                    }
                    tunnels = Integer.parseInt(v);
                }
                case "--only" -> {
                    sections = new LinkedHashSet<>();
                    for (final String s : list(value(args, ++i, a), a)) {
                        if (!SECTIONS.contains(s)) {
                            throw new UsageException("--only: unknown section " + s + " (sections: "
                                    + String.join(",", SECTIONS) + ")");
                        }
                        sections.add(s);
                    }
                }
                default -> throw new UsageException("unknown argument " + a);
            }
        }
        if (root == null || tomcat == null) {
            throw new UsageException("--root and --tomcat-home are required (scripts/bench passes them)");
        }
        return new BenchOptions(root, tomcat, commit, quick, transports,
                tunnels != null ? tunnels : quick ? 200 : 10_000, sections, profile);
    }

    private static String value(final List<String> args, final int i, final String option) throws UsageException {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }

    private static List<String> list(final String value, final String option) throws UsageException {
        final List<String> items = new ArrayList<>();
        for (final String s : value.split(",")) {
            if (s.isBlank()) {
                throw new UsageException(option + ": empty item in " + value);
            }
            items.add(s.trim());
        }
        return List.copyOf(new LinkedHashSet<>(items));
    }
}
