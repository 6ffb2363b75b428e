package org.ptth.proxy.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.CommandLine;

/**
 * The options of one run of a command: the command line first, then its {@code --config} file.
 * Knows where each value came from, so that a bad value is a usage error (exit 2) when typed and a
 * configuration error (exit 3) naming the file when read from it.
 */
final class Arguments {

    private final CommandLine line;
    private final ConfigFile file;

    /** @param file the --config file, or null */
    Arguments(final CommandLine line, final ConfigFile file) {
        this.line = line;
        this.file = file;
    }

    /** The option's value, or null when neither the command line nor the file gives it. */
    String value(final String option) {
        final String typed = line.getOptionValue(option);
        if (typed != null) {
            return typed;
        }
        return file == null ? null : file.value(option);
    }

    /** A repeatable option's values: those typed, else the file's, else null. */
    List<String> values(final String option) {
        final String[] typed = line.getOptionValues(option);
        if (typed != null) {
            return Arrays.asList(typed);
        }
        return file == null ? null : file.values(option);
    }

    /** A switch: typed, or {@code true} in the file. */
    boolean flag(final String option) throws CliException {
        if (line.hasOption(option)) {
            return true;
        }
        final String text = file == null ? null : file.value(option);
        if (text == null) {
            return false;
        }
        switch (text.toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on": return true;
            case "false": case "no": case "off": case "": return false;
            default:
                throw new CliException(ExitCode.CONFIG, file.path() + ": " + option + " must be true or false, not '"
                        + text + "'");
        }
    }

    /** Whether the option's value comes from the config file rather than the command line. */
    boolean fromFile(final String option) {
        return !line.hasOption(option) && file != null && file.has(option);
    }

    /** Whether the option was given on the command line. */
    boolean typed(final String option) {
        return line.hasOption(option);
    }

    /** The same command line with another (reloaded) config file. */
    Arguments withFile(final ConfigFile reloaded) {
        return new Arguments(line, reloaded);
    }

    /** The config file, or null. */
    ConfigFile file() {
        return file;
    }
}
