package org.ptth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args) {
        return Main.run(args, new Terminal(new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
    }

    @Test
    void anUnknownKeyExitsThreeNamingKeyAndFile() throws Exception {
        final Path file = dir.resolve("client.properties");
        Files.writeString(file, "relay=http://127.0.0.1:9/\nlisten=0\nlisen=1\n");
        assertEquals(ExitCode.CONFIG, run("client", "--config", file.toString()));
        final String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, message.split("\n").length, message);
        assertTrue(message.contains(file.toString()) && message.contains("unknown key 'lisen'"), message);

        err.reset();
        Files.writeString(file, "relay=http://127.0.0.1:9/\nexpose=ssh=127.0.0.1:22\n");
        assertEquals(ExitCode.CONFIG, run("client", "--config", file.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown key 'expose'"), "a server key in a client file");
    }

    @Test
    void aBadValueFromTheFileIsAConfigurationErrorAndFromTheCommandLineAUsageError() throws Exception {
        final Path file = dir.resolve("server.properties");
        Files.writeString(file, "relay=http://127.0.0.1:9/\nname=office\nkey-file=k\nexpose=ssh=127.0.0.1:22\n"
                + "polls=0\n");
        assertEquals(ExitCode.CONFIG, run("server", "--config", file.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(file + ": polls must be a whole number"),
                err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(ExitCode.USAGE, run("server", "--config", file.toString(), "--polls", "x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--polls must be"));
    }

    @Test
    void exposeTakesACommaListOrNumberedLinesAndFlagsWin() throws Exception {
        final Path file = dir.resolve("server.properties");
        Files.writeString(file, "expose.10=c=127.0.0.1:3\nexpose.2=b=127.0.0.1:2\nexpose=a=127.0.0.1:1\n"
                + "polls=7\nfail-fast=true\n");
        final Options options = new Options()
                .addOption(Option.builder().longOpt("expose").hasArg().get())
                .addOption(Option.builder().longOpt("polls").hasArg().get())
                .addOption(Option.builder().longOpt("fail-fast").get());
        final ConfigFile config = ConfigFile.load(file, Set.of("expose", "polls", "fail-fast"), Set.of("expose"));
        assertEquals(List.of("a=127.0.0.1:1", "b=127.0.0.1:2", "c=127.0.0.1:3"), config.values("expose"));

        final Arguments fromFile = new Arguments(DefaultParser.builder().get().parse(options, new String[0]), config);
        assertEquals("7", fromFile.value("polls"));
        assertTrue(fromFile.flag("fail-fast"));
        final Arguments typed = new Arguments(DefaultParser.builder().get().parse(options,
                new String[] {"--polls", "3", "--expose", "z=127.0.0.1:9"}), config);
        assertEquals("3", typed.value("polls"));
        assertEquals(List.of("z=127.0.0.1:9"), typed.values("expose"));
    }

    @Test
    void theShippedExamplesParse() throws Exception {
        final Path conf = Path.of("..", "conf");
        for (final String command : List.of("client", "server")) {
            final Path example = conf.resolve("ptth-proxy-" + command + ".properties");
            final Command parsed = command.equals("client") ? new ClientCommand() : new ServerCommand();
            parsed.loadConfig(example); // throws on an unknown key
        }
    }
}
