package org.ptth.proxy.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.MissingArgumentException;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

/**
 * A subcommand: its options, its help, and its work. Parsing errors become one-line usage errors.
 * Required options are checked here rather than by commons-cli, so that {@code --help} always works.
 */
abstract class Command {

    private static final Option HELP = Option.builder("h").longOpt("help").desc("show this help").get();

    abstract String name();

    /** One line for the top-level help. */
    abstract String summary();

    /** The syntax line after {@code ptth-proxy NAME}. */
    abstract String syntax();

    abstract Options options();

    /** Text after the option table. */
    abstract String footer();

    abstract int execute(Arguments args, Terminal terminal) throws CliException;

    /** The options that take a list in a --config file (comma-separated, or NAME.N lines). */
    Set<String> listOptions() {
        return Set.of();
    }

    final int run(final String[] args, final Terminal terminal) throws CliException {
        final Options options = options().addOption(HELP);
        final CommandLine line = parse(options, args);
        if (line.hasOption(HELP)) {
            printHelp(options, terminal);
            return ExitCode.OK;
        }
        if (line.getArgs().length > 0) {
            throw usage("unexpected argument '" + line.getArgs()[0] + "'");
        }
        final String config = line.getOptionValue("config");
        return execute(new Arguments(line, config == null ? null : loadConfig(Path.of(config.trim()))), terminal);
    }

    /** Reads the --config file with the keys this command takes: its long option names. */
    final ConfigFile loadConfig(final Path file) throws CliException {
        final Set<String> known = new HashSet<>();
        for (final Option option : options().getOptions()) {
            if (option.getLongOpt() != null) {
                known.add(option.getLongOpt());
            }
        }
        known.remove("config");
        return ConfigFile.load(file, known, listOptions());
    }

    final UsageException usage(final String message) {
        return new UsageException(name(), message);
    }

    /**
     * A wrong option value: a usage error when typed, a configuration error naming the file when
     * read from the --config file.
     *
     * @param problem what is wrong, after the option's name, e.g. {@code must be a whole number}
     */
    final CliException invalid(final Arguments args, final String option, final String problem) {
        if (args.fromFile(option)) {
            return new CliException(ExitCode.CONFIG, args.file().path() + ": " + option + " " + problem);
        }
        return usage("--" + option + " " + problem);
    }

    /** The value of an option the command cannot do without. */
    final String required(final Arguments args, final String option) throws CliException {
        final String value = args.value(option);
        if (value == null || value.isBlank()) {
            throw usage("missing --" + option);
        }
        return value.trim();
    }

    /** An option's whole-number value within bounds, or its default. */
    final int intOption(final Arguments args, final String option, final int fallback, final int min,
                        final int max) throws CliException {
        final String value = args.value(option);
        if (value == null) {
            return fallback;
        }
        try {
            final int number = Integer.parseInt(value.trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (final NumberFormatException notNumber) {
            // reported below, with the range
        }
        throw invalid(args, option, "must be a whole number from " + min + " to " + max + ", not '" + value + "'");
    }

    private CommandLine parse(final Options options, final String[] args) throws UsageException {
        try {
            return DefaultParser.builder().setAllowPartialMatching(false).get().parse(options, args);
        } catch (final UnrecognizedOptionException unknown) {
            throw usage("unknown option " + unknown.getOption());
        } catch (final MissingArgumentException noValue) {
            throw usage("--" + noValue.getOption().getLongOpt() + " needs a value");
        } catch (final ParseException other) {
            throw usage(other.getMessage());
        }
    }

    private void printHelp(final Options options, final Terminal terminal) {
        final TextHelpAppendable text = new TextHelpAppendable(terminal.out());
        text.setMaxWidth(100);
        final HelpFormatter help = HelpFormatter.builder()
                .setHelpAppendable(text)
                .setShowSince(false)
                .setComparator((left, right) -> 0) // keep the order the options were declared in
                .get();
        try {
            help.printHelp("ptth-proxy " + name() + " " + syntax(), summary(), options, footer(), false);
        } catch (final IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        terminal.out().flush();
    }
}
