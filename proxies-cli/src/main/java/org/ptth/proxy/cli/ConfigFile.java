package org.ptth.proxy.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code --config} file: Java properties whose keys are the command's long option names. A list
 * option ({@code expose}) takes a comma-separated value, or one {@code expose.N} line per item
 * (in the order of N). A key the command does not know is an error, not a silent typo.
 */
final class ConfigFile {

    private static final Pattern NUMBERED = Pattern.compile("(.+)\\.(\\d{1,9})");

    private final Path path;
    private final Map<String, String> values;
    private final Map<String, List<String>> lists;

    private ConfigFile(final Path path, final Map<String, String> values, final Map<String, List<String>> lists) {
        this.path = path;
        this.values = values;
        this.lists = lists;
    }

    /**
     * @param known     the keys the command takes: its long option names
     * @param listNames those of them that take a list
     * @throws CliException (exit 3) when the file cannot be read or names an unknown key
     */
    static ConfigFile load(final Path path, final Set<String> known, final Set<String> listNames)
            throws CliException {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (final java.nio.file.NoSuchFileException missing) {
            throw new CliException(ExitCode.CONFIG, "config file " + path + " does not exist");
        } catch (final IOException | IllegalArgumentException unreadable) {
            throw new CliException(ExitCode.CONFIG, "cannot read config file " + path + ": " + unreadable.getMessage());
        }
        final Map<String, String> values = new TreeMap<>();
        final Map<String, TreeMap<Integer, String>> numbered = new TreeMap<>();
        for (final Map.Entry<String, String> entry : toMap(properties).entrySet()) {
            final String key = entry.getKey();
            final String value = entry.getValue().trim();
            final Matcher item = NUMBERED.matcher(key);
            if (item.matches() && listNames.contains(item.group(1))) {
                numbered.computeIfAbsent(item.group(1), name -> new TreeMap<>())
                        .put(Integer.parseInt(item.group(2)), value);
            } else if (known.contains(key)) {
                values.put(key, value);
            } else {
                throw new CliException(ExitCode.CONFIG, path + ": unknown key '" + key
                        + "' (keys are the long option names of this command, see --help)");
            }
        }
        final Map<String, List<String>> lists = new TreeMap<>();
        for (final String name : listNames) {
            final List<String> items = new ArrayList<>();
            final String plain = values.remove(name);
            if (plain != null) {
                for (final String part : plain.split(",")) {
                    if (!part.isBlank()) {
                        items.add(part.trim());
                    }
                }
            }
            items.addAll(numbered.getOrDefault(name, new TreeMap<>()).values());
            if (!items.isEmpty()) {
                lists.put(name, List.copyOf(items));
            }
        }
        return new ConfigFile(path, Collections.unmodifiableMap(values), Collections.unmodifiableMap(lists));
    }

    Path path() {
        return path;
    }

    /** The value of a key, or null. */
    String value(final String key) {
        return values.get(key);
    }

    /** The items of a list key, or null. */
    List<String> values(final String key) {
        return lists.get(key);
    }

    boolean has(final String key) {
        return values.containsKey(key) || lists.containsKey(key);
    }

    private static Map<String, String> toMap(final Properties properties) {
        final Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return map;
    }
}
